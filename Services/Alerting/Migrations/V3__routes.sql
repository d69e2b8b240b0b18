-- Routing: an alert goes down the routing tree to one or more receivers, where it joins a group (by route, receiver and
-- the values of the route's grouping labels). A group is one message listing its alerts; a change in it is sent once
-- the group's interval has passed, and a group still firing is sent again every repeat interval.
CREATE TABLE alerting.alert_groups (
    group_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    group_key       text        NOT NULL UNIQUE,
    route           text        NOT NULL,
    receiver        text        NOT NULL,
    labels          jsonb       NOT NULL,
    -- The route's intervals when the group was made (or an alert last joined it).
    group_interval  interval    NOT NULL,
    repeat_interval interval    NOT NULL,
    created_at      timestamptz NOT NULL,
    -- When the next message is due; null while there is nothing to send.
    flush_at        timestamptz,
    last_sent_at    timestamptz,
    -- The group's state in its last message: firing, acknowledged or resolved.
    last_status     text,
    -- The maintenance window muting the group when it was last due, shown on its alerts.
    muted_by        text
);
CREATE INDEX alert_groups_due ON alerting.alert_groups (flush_at) WHERE flush_at IS NOT NULL;

CREATE TABLE alerting.group_alerts (
    group_id        bigint      NOT NULL REFERENCES alerting.alert_groups (group_id) ON DELETE CASCADE,
    alert_id        bigint      NOT NULL REFERENCES alerting.alerts (alert_id),
    added_at        timestamptz NOT NULL,
    -- The alert's state as the group's last message carried it; null until a message carried it.
    notified_state  text,
    PRIMARY KEY (group_id, alert_id)
);
CREATE INDEX group_alerts_by_alert ON alerting.group_alerts (alert_id);

-- An alert escalated on a route, once.
CREATE TABLE alerting.escalations (
    alert_id      bigint      NOT NULL REFERENCES alerting.alerts (alert_id),
    route         text        NOT NULL,
    receiver      text        NOT NULL,
    escalated_at  timestamptz NOT NULL,
    PRIMARY KEY (alert_id, route)
);

-- A notification is now a group's message: the body it was built with (so a retry sends what was decided), and every
-- alert it lists (alert_id stays set when it lists one, as before).
ALTER TABLE alerting.notifications
    ADD COLUMN group_id  bigint REFERENCES alerting.alert_groups (group_id) ON DELETE SET NULL,
    ADD COLUMN alert_ids bigint[] NOT NULL DEFAULT '{}',
    ADD COLUMN body      jsonb;
UPDATE alerting.notifications SET alert_ids = ARRAY[alert_id] WHERE alert_id IS NOT NULL;
CREATE INDEX notifications_by_listed_alert ON alerting.notifications USING gin (alert_ids);
ALTER TABLE alerting.notifications DROP CONSTRAINT notifications_kind_check;
ALTER TABLE alerting.notifications ADD CONSTRAINT notifications_kind_check
    CHECK (kind IN ('firing', 'repeat', 'resolved', 'acknowledged', 'escalation', 'test'));

-- Each connector's owner and tags, as its latest run that stated them said them (null: never stated); routes match on them.
ALTER TABLE alerting.connectors
    ADD COLUMN owner text,
    ADD COLUMN tags  text[];

-- How people judged an alert: expected (a known condition), false_positive (nothing was wrong) or fixed (a real problem,
-- dealt with), with who and a note. Judging again replaces it.
ALTER TABLE alerting.alerts
    ADD COLUMN feedback       text CHECK (feedback IN ('expected', 'false_positive', 'fixed')),
    ADD COLUMN feedback_by    text,
    ADD COLUMN feedback_note  text,
    ADD COLUMN feedback_at    timestamptz;
CREATE INDEX alerts_by_feedback ON alerting.alerts (feedback, created_at DESC) WHERE feedback IS NOT NULL;

-- What the latency rule judges: how long the source took to answer (the successful attempt), apart from the run's own
-- latency, which is kept as the run said it. Null for runs recorded before: their latency stands in.
ALTER TABLE alerting.runs ADD COLUMN served_ms double precision;

-- Reminders are a group's (every repeat interval while it fires); an alert no longer keeps when it was last told.
ALTER TABLE alerting.alerts DROP COLUMN last_notified_at;
