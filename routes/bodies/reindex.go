package bodies

// Reindex is what a _reindex body makes Elasticsearch read and write
// (ReindexRequest.fromXContent).
type Reindex struct {
	// Source is source.index: a string split at commas, or an array of strings taken
	// as they are. With Remote set, these are indices of the remote cluster.
	Source []string
	// Dest is dest.index.
	Dest string
	// DestOpType is dest.op_type as written: "" (index), "index" or "create".
	DestOpType string
	// Remote is set when source.remote is present: the documents come from another
	// cluster, read with the credentials in the body.
	Remote bool
	// SourceQuery is a copy of the raw JSON of source.query, nil when absent.
	SourceQuery []byte
	// SourceRefs are the indices that the search in source reads besides Source: its
	// query, runtime_mappings and other search keys, by the rules of QueryIndexRefs.
	// They are computed for a remote source too.
	SourceRefs []IndexRef
	// Pipeline is dest.pipeline: an ingest pipeline may send documents to another
	// index than Dest (a reroute processor, or a processor that sets _index).
	Pipeline string
	// Script is set when the body has a script: it may send a document to another
	// index than Dest by setting ctx._index.
	Script bool
}

var (
	rxTopKeys  = jsSet("source", "dest", "max_docs", "script", "conflicts")
	rxDestKeys = jsSet("index", "routing", "op_type", "pipeline", "version_type")
)

// ParseReindex reads a _reindex body (RestReindexAction, ReindexRequest.fromXContent):
// the source indices (source.index, which Elasticsearch splits at commas when it is a
// string), the search the source runs, the destination and what may redirect documents
// away from it (dest.pipeline, script). Unknown top-level and dest keys are refused as
// Elasticsearch refuses them; a duplicate key anywhere is refused.
func ParseReindex(body []byte) (Reindex, error) {
	var r Reindex
	v, err := jsDecode(body)
	if err != nil {
		return r, err
	}
	for i, k := range v.keys {
		if !rxTopKeys[k] {
			return r, jsParseError("[reindex] unknown field [" + k + "]")
		}
		if val := v.vals[i]; (k == "source" || k == "dest" || k == "script") && val.kind != '{' {
			return r, jsParseError("[reindex] " + k + " doesn't support values of type: " + jsTypeName(val))
		}
	}
	src, dest := v.get("source"), v.get("dest")
	if src != nil {
		if err := rxSource(&r, src, body); err != nil {
			return r, err
		}
	}
	if dest != nil {
		for i, k := range dest.keys {
			if !rxDestKeys[k] {
				return r, jsParseError("[dest] unknown field [" + k + "]")
			}
			if val := dest.vals[i]; val.kind != 's' {
				return r, jsParseError("[dest] " + k + " doesn't support values of type: " + jsTypeName(val))
			}
		}
		r.Dest, _, _ = jsString(dest.get("index"), "dest.index")
		r.DestOpType, _, _ = jsString(dest.get("op_type"), "dest.op_type")
		r.Pipeline, _, _ = jsString(dest.get("pipeline"), "dest.pipeline")
	}
	r.Script = v.get("script") != nil
	var errs []string
	if len(r.Source) == 0 {
		errs = append(errs, "use _all if you really want to copy from all existing indexes")
	}
	if r.Dest == "" {
		errs = append(errs, "index is missing")
	}
	if len(errs) > 0 {
		return r, jsValidation(errs...)
	}
	return r, nil
}

// rxSource reads the source object: "index" and "remote" are Reindex's own keys, the
// rest is a search source (SearchSourceBuilder), walked for the indices it reads.
func rxSource(r *Reindex, src *jsValue, body []byte) error {
	search := &jsValue{kind: '{'}
	for i, k := range src.keys {
		val := src.vals[i]
		switch k {
		case "index":
			switch val.kind {
			case 's':
				r.Source = jsJavaSplit(val.str)
			case '[':
				names, err := jsStrings(val, "source.index")
				if err != nil {
					return err
				}
				r.Source = names
			default:
				return jsIllegalArgument("Expected [index] to be a list or a string but was [" + jsTypeName(val) + "]")
			}
			for _, name := range r.Source {
				if name == "" {
					return jsIllegalArgument("[source.index] holds an empty index name")
				}
			}
		case "remote":
			if val.kind != '{' {
				return jsIllegalArgument("[source.remote] must be an object")
			}
			r.Remote = true
		default:
			if k == "query" {
				r.SourceQuery = jsRaw(body, val)
			}
			search.keys, search.vals = append(search.keys, k), append(search.vals, val)
		}
	}
	var w qWalker
	if err := w.walk(search, "source"); err != nil {
		return err
	}
	r.SourceRefs = w.refs
	return nil
}
