-- +goose Up
-- The dashboard reads its totals from dashboard_counts (00025) by index range instead of every row
-- of the agency: the counts by stage and flag through the rows without a day; the lists by date
-- ('step_due:' and 'visit_due:' followed by the day) through the days up to the list's bound, of
-- the caseworker and of nobody, or of every user for the supervisor's overdue visits. The day part
-- compares as text in the "C" collation, which orders ISO dates by date.
CREATE INDEX dashboard_counts_plain_idx ON dashboard_counts (agency_id, item, user_id) INCLUDE (n) WHERE strpos(item, ':') = 0;
CREATE INDEX dashboard_counts_user_day_idx ON dashboard_counts (agency_id, user_id, item COLLATE "C") INCLUDE (n) WHERE strpos(item, ':') > 0;
CREATE INDEX dashboard_counts_day_idx ON dashboard_counts (agency_id, item COLLATE "C") INCLUDE (n) WHERE strpos(item, ':') > 0;

-- +goose Down
DROP INDEX dashboard_counts_day_idx, dashboard_counts_user_day_idx, dashboard_counts_plain_idx;
