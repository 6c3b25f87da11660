-- +goose Up
-- The duplicate look-up at intake probes the trigram and document GIN indexes once per name and
-- document of every row (internal/cases/dupstore.go). With fastupdate, new entries wait in the
-- index's pending list until a vacuum merges them, and every probe reads the whole list: after a
-- few imports of 2,000 persons each probe read thousands of pending rows (an import took 2.6 s,
-- then 14 s, 26 s, 46 s). Without it each insert goes straight into the index, a little slower,
-- and probes stay as fast as the index.
ALTER INDEX persons_search_name_trgm SET (fastupdate = off);
ALTER INDEX persons_search_aliases_trgm SET (fastupdate = off);
ALTER INDEX persons_document_bidxs SET (fastupdate = off);
SELECT gin_clean_pending_list('persons_search_name_trgm'::regclass),
       gin_clean_pending_list('persons_search_aliases_trgm'::regclass),
       gin_clean_pending_list('persons_document_bidxs'::regclass);

-- +goose Down
ALTER INDEX persons_search_name_trgm SET (fastupdate = on);
ALTER INDEX persons_search_aliases_trgm SET (fastupdate = on);
ALTER INDEX persons_document_bidxs SET (fastupdate = on);
