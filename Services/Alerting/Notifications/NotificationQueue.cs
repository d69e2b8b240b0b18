using System.Text.Json;
using ConnectorHealth.Alerting.Evaluation;
using ConnectorHealth.Alerting.Routes;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Alerting.Notifications;

/// <summary>
/// Puts a raised alert in the groups of the routes it reaches (the group's message then goes out after its wait), or
/// records it as held (silenced, inhibited, flapping) with the reason, so the alert's page says why nobody was told.
/// </summary>
public sealed class NotificationQueue(RouteTrees routes)
{
    /// <summary>Adds the alert to a group per route it reaches, or records it as held there with the reason.</summary>
    internal async Task QueueAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EvaluationContext context, OpenAlert alert, string kind,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var labels = context.LabelsOf(alert);
        var reached = routes.Current.Match(labels);
        if (reached.Count == 0)
        {
            return;
        }
        if (HoldReason(context, alert, now) is { } heldBecause)
        {
            await using var held = new NpgsqlCommand(
                """
                INSERT INTO alerting.notifications (alert_id, alert_ids, channel, kind, status, reason, next_attempt_at)
                SELECT $1, ARRAY[$1], c, $3, 'held', $4, $5 FROM unnest($2::text[]) AS c
                """, connection, transaction);
            held.Parameters.Add(new NpgsqlParameter { Value = alert.AlertId, NpgsqlDbType = NpgsqlDbType.Bigint });
            held.Parameters.Add(new NpgsqlParameter
            {
                Value = reached.Select(route => route.Receiver).Distinct().ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
            });
            held.Parameters.AddWithValue(kind);
            held.Parameters.AddWithValue(heldBecause);
            held.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await held.ExecuteNonQueryAsync(cancellationToken);
            return;
        }
        foreach (var route in reached)
        {
            await JoinGroupAsync(connection, transaction, route.GroupKey(labels), route.Path, route.Receiver, route.GroupLabels(labels),
                route.GroupWait, route.GroupInterval, route.RepeatInterval, alert.AlertId, now, cancellationToken);
        }
    }

    /// <summary>
    /// Adds an alert to a group, making the group if it is new (its first message after the group's wait); a group that
    /// has sent before sends the change once its interval since the last message has passed.
    /// </summary>
    internal static async Task JoinGroupAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string groupKey, string route, string receiver,
        IReadOnlyDictionary<string, string> groupLabels, TimeSpan groupWait, TimeSpan groupInterval, TimeSpan repeatInterval, long alertId,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var join = new NpgsqlCommand(
            """
            WITH g AS (
                INSERT INTO alerting.alert_groups (group_key, route, receiver, labels, group_interval, repeat_interval, created_at, flush_at)
                VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $7 + $8)
                ON CONFLICT (group_key) DO UPDATE SET
                    group_interval = excluded.group_interval, repeat_interval = excluded.repeat_interval,
                    flush_at = least(coalesce(alert_groups.flush_at, 'infinity'),
                                     greatest($7, coalesce(alert_groups.last_sent_at + excluded.group_interval, $7 + $8)))
                RETURNING group_id
            )
            INSERT INTO alerting.group_alerts (group_id, alert_id, added_at)
            SELECT group_id, $9, $7 FROM g
            ON CONFLICT (group_id, alert_id) DO UPDATE SET notified_state = NULL
            """, connection, transaction);
        join.Parameters.AddWithValue(groupKey);
        join.Parameters.AddWithValue(route);
        join.Parameters.AddWithValue(receiver);
        join.Parameters.AddWithValue(JsonSerializer.Serialize(groupLabels));
        join.Parameters.Add(new NpgsqlParameter { Value = groupInterval, NpgsqlDbType = NpgsqlDbType.Interval });
        join.Parameters.Add(new NpgsqlParameter { Value = repeatInterval, NpgsqlDbType = NpgsqlDbType.Interval });
        join.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        join.Parameters.Add(new NpgsqlParameter { Value = groupWait, NpgsqlDbType = NpgsqlDbType.Interval });
        join.Parameters.Add(new NpgsqlParameter { Value = alertId, NpgsqlDbType = NpgsqlDbType.Bigint });
        await join.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A statement (for a <c>WITH</c>) that has the groups of the alerts in <paramref name="changedAlerts"/> (a relation
    /// with an <c>alert_id</c> column) send the change (resolved, acknowledged) once their interval since their last
    /// message allows, or with their first message if they have not sent yet.
    /// </summary>
    /// <param name="now">The parameter holding the time of the change, e.g. <c>$2</c>.</param>
    internal static string ScheduleGroupsOf(string changedAlerts, string now) =>
        $"""
        UPDATE alerting.alert_groups g
        SET flush_at = least(coalesce(g.flush_at, 'infinity'), greatest({now}, coalesce(g.last_sent_at + g.group_interval, g.flush_at)))
        FROM {changedAlerts} JOIN alerting.group_alerts m USING (alert_id) WHERE m.group_id = g.group_id
        RETURNING 1
        """;

    // Silenced first, then inhibited (another open alert of the connector says it already), then caused by an open upstream
    // failure, then flapping.
    internal static string? HoldReason(EvaluationContext context, OpenAlert alert, DateTimeOffset now)
    {
        if (context.Silences.FirstOrDefault(s => s.Matches(alert.Connector, alert.Rule, alert.Severity, now)) is { } silence)
        {
            return $"silenced by {silence.Id} ({silence.Author}: {silence.Comment})";
        }
        var otherOpenRules = context.OpenAlerts
            .Where(open => open.Connector == alert.Connector && open.AlertId != alert.AlertId).Select(open => open.Rule).ToArray();
        if (Inhibition.InhibitedBecause(alert.Rule, otherOpenRules) is { } inhibitor)
        {
            return $"inhibited: the connector's {inhibitor} alert is open";
        }
        if (alert.CausedBy is { } cause && context.OpenCauses.TryGetValue(cause, out var upstream))
        {
            return $"caused by alert {cause}: {upstream.Rule} of upstream job {upstream.Connector}, whose outputs it reads";
        }
        return alert.Flapping ? "flapping: it fired and resolved too often lately" : null;
    }
}
