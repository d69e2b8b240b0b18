using System.Text.Json;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Channels;
using ConnectorHealth.Alerting.Evaluation;
using ConnectorHealth.Alerting.Receivers;
using ConnectorHealth.Alerting.Routes;
using ConnectorHealth.Alerting.Silences;
using ConnectorHealth.Alerting.Windows;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Alerting.Notifications;

/// <summary>
/// Sends each group's message when it is due: after the group's wait, after its interval when an alert joined, resolved
/// or was acknowledged, and every repeat interval while it is still firing and unacknowledged. A group muted by a
/// maintenance window sends nothing until the window ends, and then what its alerts are by then. Groups are claimed with
/// row locks, so replicas share them and each message is queued once.
/// </summary>
public sealed class GroupFlusher(NpgsqlDataSource dataSource, RouteTrees routes, IOptionsMonitor<AlertingOptions> options, TimeProvider time)
{
    private const int GroupsPerRound = 50;

    /// <summary>The suffix of an escalation group's route: its message says the alert escalated.</summary>
    public const string EscalationSuffix = "/escalation";

    /// <summary>Queues the messages of the groups that are due; returns how many groups were looked at.</summary>
    public async Task<int> FlushDueAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        // Most rounds find nothing due: one statement says so, without a transaction's round trips.
        await using (var due = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM alerting.alert_groups WHERE flush_at <= $1)"))
        {
            due.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            if (await due.ExecuteScalarAsync(cancellationToken) is not true)
            {
                return 0;
            }
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var groups = new List<DueGroup>();
        await using (var claim = new NpgsqlCommand(
            $"""
            SELECT group_id, group_key, route, receiver, labels::text, repeat_interval, last_sent_at FROM alerting.alert_groups
            WHERE flush_at <= $1 ORDER BY flush_at LIMIT {GroupsPerRound} FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            claim.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                groups.Add(new DueGroup(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(4)) ?? [], reader.GetFieldValue<TimeSpan>(5),
                    reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
            }
        }
        if (groups.Count == 0)
        {
            return 0;
        }
        var members = await ReadMembersAsync(connection, transaction, groups.Select(g => g.GroupId).ToArray(), cancellationToken);
        var silences = await ReadSilencesAsync(connection, transaction, now, cancellationToken);
        foreach (var group in groups)
        {
            await FlushAsync(connection, transaction, group, members.GetValueOrDefault(group.GroupId) ?? [], silences, now, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return groups.Count;
    }

    private async Task FlushAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DueGroup group, List<Member> members, List<Silence> silences,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var routePath = group.Route.EndsWith(EscalationSuffix, StringComparison.Ordinal) ? group.Route[..^EscalationSuffix.Length] : group.Route;
        var (mute, active) = routes.Current.WindowsOf(routePath);
        if (RouteMuting.At(mute, active, settings.TimeIntervals, now) is { } muted)
        {
            await ExecuteAsync(connection, transaction,
                "UPDATE alerting.alert_groups SET muted_by = $2, flush_at = $3 WHERE group_id = $1",
                cancellationToken, group.GroupId, muted.Reason, muted.Until);
            return;
        }
        // A resolved alert the group never told anyone of leaves it unsaid; a silenced one is left out of the message.
        var told = members.Where(m => m.Body.State != AlertStates.Resolved || m.NotifiedState is not null).ToList();
        var shown = told.Where(m => m.Body.State == AlertStates.Resolved
            || !silences.Any(s => s.Matches(m.Body.Connector, m.Body.Rule, SeverityNames.Parse(m.Body.Severity), now))).ToList();
        var open = shown.Where(m => m.Body.State != AlertStates.Resolved).ToList();
        var status = open.Any(m => m.Body.State == AlertStates.Firing) ? AlertStates.Firing
            : open.Count > 0 ? AlertStates.Acknowledged : AlertStates.Resolved;
        var changed = shown.Where(m => m.NotifiedState != m.Body.State).ToList();
        var escalation = group.Route.EndsWith(EscalationSuffix, StringComparison.Ordinal);
        string? kind =
            changed.Any(m => m.NotifiedState is null && m.Body.State != AlertStates.Resolved) ? escalation ? NotificationKinds.Escalation : NotificationKinds.Firing
            : changed.Any(m => m.Body.State == AlertStates.Resolved) ? status == AlertStates.Resolved ? NotificationKinds.Resolved : NotificationKinds.Firing
            : changed.Count > 0 ? NotificationKinds.Acknowledged
            : status == AlertStates.Firing && group.LastSentAt is { } last && now - last >= group.RepeatInterval ? NotificationKinds.Repeat
            : null;
        // Only a receiver that keeps incidents of its own (PagerDuty) is told of an acknowledgement.
        if (kind == NotificationKinds.Acknowledged
            && !(settings.Channels.TryGetValue(group.Receiver, out var channel) && channel.Format == ChannelFormat.PagerDuty))
        {
            kind = null;
        }
        if (kind is not null && shown.Count > 0)
        {
            var notice = new Notice(kind, group.Receiver, group.GroupKey, group.Labels, status, shown.Select(m => m.Body).ToArray());
            var ids = shown.Select(m => m.Body.AlertId).ToArray();
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO alerting.notifications (alert_id, alert_ids, group_id, channel, kind, status, body, next_attempt_at)
                VALUES ($1, $2, $3, $4, $5, 'pending', $6::jsonb, $7)
                """, connection, transaction);
            insert.Parameters.Add(new NpgsqlParameter { Value = ids.Length == 1 ? ids[0] : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            insert.Parameters.Add(new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
            insert.Parameters.Add(new NpgsqlParameter { Value = group.GroupId, NpgsqlDbType = NpgsqlDbType.Bigint });
            insert.Parameters.AddWithValue(group.Receiver);
            insert.Parameters.AddWithValue(kind);
            insert.Parameters.AddWithValue(JsonSerializer.Serialize(notice, NoticeJson.Options));
            insert.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        var sent = kind is not null && shown.Count > 0;
        // What the group said is now what it knows: every alert it showed when it sent, else only the changes not worth a
        // message (an acknowledgement) of alerts it had told of. Resolved alerts it said, or never said, leave it.
        var known = (sent ? shown : shown.Where(m => m.NotifiedState is not null)).Select(m => m.Body.AlertId).ToArray();
        var stateOf = members.ToDictionary(m => m.Body.AlertId, m => m.Body.State);
        var leaving = members.Where(m => m.Body.State == AlertStates.Resolved && (m.NotifiedState is null || known.Contains(m.Body.AlertId)))
            .Select(m => m.Body.AlertId).ToArray();
        await ExecuteAsync(connection, transaction,
            """
            WITH gone AS (
                DELETE FROM alerting.group_alerts WHERE group_id = $1 AND alert_id = ANY($3) RETURNING 1
            )
            UPDATE alerting.group_alerts m SET notified_state = u.state
            FROM unnest($2::bigint[], $4::text[]) AS u(alert_id, state)
            WHERE m.group_id = $1 AND m.alert_id = u.alert_id AND NOT u.alert_id = ANY($3)
            """,
            cancellationToken, group.GroupId, known, leaving,
            known.Select(id => stateOf[id]).ToArray());
        var lastSent = sent ? now : group.LastSentAt;
        var stillFiring = status == AlertStates.Firing && open.Count > 0;
        await ExecuteAsync(connection, transaction,
            """
            UPDATE alerting.alert_groups SET muted_by = NULL, last_sent_at = $2, last_status = CASE WHEN $5 THEN $3 ELSE last_status END,
                flush_at = CASE WHEN $4 THEN $2 + repeat_interval END
            WHERE group_id = $1
            """,
            cancellationToken, group.GroupId, (object?)lastSent ?? DBNull.Value, status, stillFiring && lastSent is not null, sent);
    }

    /// <summary>
    /// Escalates the firing alerts nobody acknowledged within their route's <see cref="AlertRoute.EscalateAfter"/>:
    /// each joins a group of its own on the route's <see cref="AlertRoute.EscalateTo"/> channel, sent at once, and is
    /// escalated once per route (a row per alert and route decides it, on any replica).
    /// </summary>
    public async Task<int> EscalateDueAsync(CancellationToken cancellationToken)
    {
        var tree = routes.Current;
        if (!tree.Escalates)
        {
            return 0;
        }
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var firing = new List<(long AlertId, string Fingerprint, string Connector, string Rule, Severity Severity, DateTimeOffset CreatedAt)>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT a.alert_id, a.fingerprint, a.connector, a.rule, a.severity, a.created_at FROM alerting.alerts a
            WHERE a.state = 'firing' ORDER BY a.alert_id LIMIT 1000
            """, connection, transaction))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                firing.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    SeverityNames.Parse(reader.GetString(4)), reader.GetFieldValue<DateTimeOffset>(5)));
            }
        }
        var owners = await ConnectorOwners.ReadAsync(connection, transaction, firing.Select(a => a.Connector).Distinct().ToArray(), cancellationToken);
        var escalated = 0;
        foreach (var alert in firing)
        {
            var owner = owners.GetValueOrDefault(alert.Connector);
            var labels = new AlertLabels(alert.Connector, alert.Rule, alert.Severity, owner.Owner, owner.Tags ?? [], alert.Fingerprint);
            foreach (var route in tree.Match(labels))
            {
                if (route.EscalateAfter is not { } after || route.EscalateTo is not { } to || now - alert.CreatedAt < after)
                {
                    continue;
                }
                await using var mark = new NpgsqlCommand(
                    """
                    INSERT INTO alerting.escalations (alert_id, route, receiver, escalated_at) VALUES ($1, $2, $3, $4)
                    ON CONFLICT DO NOTHING
                    """, connection, transaction);
                mark.Parameters.Add(new NpgsqlParameter { Value = alert.AlertId, NpgsqlDbType = NpgsqlDbType.Bigint });
                mark.Parameters.AddWithValue(route.Path);
                mark.Parameters.AddWithValue(to);
                mark.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                if (await mark.ExecuteNonQueryAsync(cancellationToken) == 0)
                {
                    continue;
                }
                var escalationRoute = route.Path + EscalationSuffix;
                await NotificationQueue.JoinGroupAsync(connection, transaction, $"{escalationRoute}|{to}|alert={alert.AlertId}", escalationRoute, to,
                    route.GroupLabels(labels), TimeSpan.Zero, TimeSpan.Zero, route.RepeatInterval, alert.AlertId, now, cancellationToken);
                escalated++;
            }
        }
        await transaction.CommitAsync(cancellationToken);
        return escalated;
    }

    /// <summary>
    /// Tells of the firing alerts that were held when they were raised (silenced, inhibited) once nothing holds them any
    /// more: the silence ended, the failure that inhibited them resolved. They join their routes' groups as if raised now.
    /// </summary>
    public async Task<int> ReleaseHeldAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var held = new List<OpenAlert>();
        await using (var command = new NpgsqlCommand(
            $"""
            SELECT {OpenAlertRows.Columns} FROM alerting.alerts a
            WHERE a.state = 'firing'
              AND EXISTS (SELECT 1 FROM alerting.notifications n WHERE n.alert_id = a.alert_id AND n.status = 'held')
              AND NOT EXISTS (SELECT 1 FROM alerting.group_alerts m WHERE m.alert_id = a.alert_id)
            ORDER BY a.alert_id LIMIT {GroupsPerRound * 10} FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                held.Add(OpenAlertRows.Read(reader));
            }
        }
        if (held.Count == 0)
        {
            return 0;
        }
        var context = await EvaluationContext.LoadAsync(
            connection, transaction, held.Select(alert => alert.Connector).Distinct().ToArray(), now, cancellationToken);
        var released = 0;
        foreach (var alert in held.Where(alert => NotificationQueue.HoldReason(context, alert, now) is null))
        {
            var labels = context.LabelsOf(alert);
            foreach (var route in routes.Current.Match(labels))
            {
                await NotificationQueue.JoinGroupAsync(connection, transaction, route.GroupKey(labels), route.Path, route.Receiver,
                    route.GroupLabels(labels), route.GroupWait, route.GroupInterval, route.RepeatInterval, alert.AlertId, now, cancellationToken);
            }
            released++;
        }
        await transaction.CommitAsync(cancellationToken);
        return released;
    }

    private static async Task<Dictionary<long, List<Member>>> ReadMembersAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long[] groupIds, CancellationToken cancellationToken)
    {
        var members = new Dictionary<long, List<Member>>();
        await using var command = new NpgsqlCommand(
            $"""
            SELECT m.group_id, m.notified_state, {AlertBodies.Columns}
            FROM alerting.group_alerts m JOIN alerting.alerts a USING (alert_id)
            WHERE m.group_id = ANY($1) ORDER BY m.group_id, a.alert_id
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = groupIds, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var groupId = reader.GetInt64(0);
            if (!members.TryGetValue(groupId, out var list))
            {
                members[groupId] = list = [];
            }
            list.Add(new Member(reader.IsDBNull(1) ? null : reader.GetString(1), AlertBodies.Read(reader, 2)));
        }
        return members;
    }

    private static async Task<List<Silence>> ReadSilencesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var silences = new List<Silence>();
        await using var command = new NpgsqlCommand(
            $"SELECT {SilenceRows.Columns} FROM alerting.silences WHERE starts_at <= $1 AND ends_at > $1", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            silences.Add(SilenceRows.Read(reader));
        }
        return silences;
    }

    private static async Task ExecuteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
        {
            command.Parameters.Add(value switch
            {
                DateTimeOffset instant => new NpgsqlParameter { Value = instant, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                DBNull => new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                long[] ids => new NpgsqlParameter { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                string[] texts => new NpgsqlParameter { Value = texts, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                _ => new NpgsqlParameter { Value = value },
            });
        }
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed record DueGroup(
        long GroupId, string GroupKey, string Route, string Receiver, IReadOnlyDictionary<string, string> Labels, TimeSpan RepeatInterval,
        DateTimeOffset? LastSentAt);

    private sealed record Member(string? NotifiedState, AlertBody Body);
}
