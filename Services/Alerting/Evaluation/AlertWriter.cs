using System.Text.Json;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Notifications;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Contracts;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>
/// Writes what the rules decided, inside the evaluation's transaction: a finding becomes an occurrence of its open
/// alert, or raises a new one (the unique index on open fingerprints makes a repeat never a second alert); an alert
/// whose condition cleared resolves once it has held clear long enough.
/// </summary>
public sealed partial class AlertWriter(IOptionsMonitor<AlertingOptions> options, NotificationQueue notifications, ILogger<AlertWriter> logger)
{
    private const int ResolutionsReadForFlapping = 100;

    /// <summary>
    /// Upserts the findings (no two with one fingerprint) on their open alerts and counts their new occurrences, in two
    /// statements for any number; notes the open alerts this changed (new occurrences, another severity); then raises the
    /// alerts this opened, in the order given (failure and freshness before the rest, so they inhibit the others' notifications).
    /// </summary>
    internal async Task RecordFiringAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EvaluationContext context, IReadOnlyList<Firing> findings,
        DateTimeOffset now, AlertChanges changes, CancellationToken cancellationToken)
    {
        if (findings.Count == 0)
        {
            return;
        }
        var stored = await UpsertAlertsAsync(connection, transaction, findings, now, cancellationToken);
        var counted = await AddOccurrencesAsync(connection, transaction, findings, stored, cancellationToken);
        NoteUpdated(context, findings, stored, counted, now, changes);
        foreach (var firing in findings.Where(f => stored[f.Fingerprint].Created))
        {
            await RaiseAsync(connection, transaction, context, firing, stored[firing.Fingerprint].AlertId, now, changes, cancellationToken);
        }
    }

    /// <summary>
    /// The condition of an open alert no longer holds: the alert notes since when, and resolves once that is
    /// <see cref="AlertingOptions.ResolveAfter"/> ago, or at once when a later run settled it (<paramref name="immediately"/>).
    /// </summary>
    internal async Task ClearAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EvaluationContext context, OpenAlert alert, DateTimeOffset now,
        AlertChanges changes, CancellationToken cancellationToken, bool immediately = false)
    {
        var resolveAfter = immediately ? TimeSpan.Zero : options.CurrentValue.ResolveAfter;
        var (clearSince, resolve) = Hysteresis.Next(conditionFiring: false, alert.ClearSince, now, resolveAfter);
        if (!resolve)
        {
            if (clearSince != alert.ClearSince)
            {
                await using var mark = new NpgsqlCommand("UPDATE alerting.alerts SET clear_since = $2 WHERE alert_id = $1", connection, transaction);
                mark.Parameters.Add(new NpgsqlParameter { Value = alert.AlertId, NpgsqlDbType = NpgsqlDbType.Bigint });
                mark.Parameters.Add(new NpgsqlParameter { Value = (object?)clearSince ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
                await mark.ExecuteNonQueryAsync(cancellationToken);
            }
            return;
        }
        await ResolveAsync(connection, transaction, alert.AlertId, "auto", "rule", now, cancellationToken);
        context.OpenAlerts.Remove(alert);
        changes.Resolved.Add(new AlertResolved(alert.AlertId, alert.Connector, alert.Rule, "auto", now));
    }

    /// <summary>Resolves an open alert; each of its groups sends the resolution once its interval allows.</summary>
    public static async Task<bool> ResolveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long alertId, string resolution, string by, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            WITH resolved AS (
                UPDATE alerting.alerts SET state = 'resolved', resolved_at = $2, resolution = $3, resolved_by = $4, clear_since = NULL
                WHERE alert_id = $1 AND state <> 'resolved'
                RETURNING alert_id
            ), scheduled AS (
                {NotificationQueue.ScheduleGroupsOf("resolved", "$2")}
            )
            SELECT count(*) FROM resolved
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = alertId, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.AddWithValue(resolution);
        command.Parameters.AddWithValue(by);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    // An open alert (not one this opened) whose severity changed or that counted new occurrences is announced as updated.
    private static void NoteUpdated(
        EvaluationContext context, IReadOnlyList<Firing> findings, Dictionary<string, StoredAlert> stored, Dictionary<long, int> counted,
        DateTimeOffset now, AlertChanges changes)
    {
        foreach (var firing in findings)
        {
            var alert = stored[firing.Fingerprint];
            if (alert.Created)
            {
                continue;
            }
            var index = context.OpenAlerts.FindIndex(a => a.AlertId == alert.AlertId);
            var severityChanged = index >= 0 && context.OpenAlerts[index].Severity != alert.Severity;
            if (severityChanged)
            {
                // Later findings of this evaluation (drift events, one at a time) compare with the severity written now.
                context.OpenAlerts[index] = context.OpenAlerts[index] with { Severity = alert.Severity };
            }
            var occurred = counted.TryGetValue(alert.AlertId, out var occurrences);
            if (severityChanged || occurred)
            {
                changes.Updated.Add(new AlertUpdated(alert.AlertId, firing.Connector, firing.Finding.Rule, severityChanged ? "severity" : "occurred",
                    alert.State, SeverityNames.Name(alert.Severity), occurred ? occurrences : alert.Occurrences, now));
            }
        }
    }

    // An open alert as the upsert left it: whether the upsert created it, its state and occurrences before any new were counted.
    private readonly record struct StoredAlert(long AlertId, bool Created, string State, int Occurrences, Severity Severity);

    // Whether a finding says what its open alert now says. A run rule's finding is judged on every run the database holds,
    // so the latest evaluation is right. A drift finding is one event: drift events arrive out of order (and replicas take
    // them in parallel), so an event older than the alert's latest occurrence is counted but does not take back what the
    // newer one said (its severity, message and details). excluded.last_seen is a drift finding's event time.
    private const string Newer = $"(alerts.rule <> '{RuleNames.SchemaDrift}' OR excluded.last_seen >= alerts.last_seen)";

    // Each finding's open alert, opened now when there was none: keyed by fingerprint.
    private static async Task<Dictionary<string, StoredAlert>> UpsertAlertsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Firing> findings, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var stored = new Dictionary<string, StoredAlert>(StringComparer.Ordinal);
        await using var upsert = new NpgsqlCommand(
            $"""
            INSERT INTO alerting.alerts (fingerprint, connector, rule, key, severity, state, message, recommended_action, details,
                                         occurrences, first_seen, last_seen, created_at)
            SELECT f, c, r, k, s, 'firing', m, a, d::jsonb, 0, t, t, $10
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
                AS u(f, c, r, k, s, m, a, d, t)
            ON CONFLICT (fingerprint) WHERE state <> 'resolved' DO UPDATE SET
                last_seen = greatest(alerts.last_seen, excluded.last_seen), clear_since = NULL,
                severity = CASE WHEN {Newer} THEN excluded.severity ELSE alerts.severity END,
                message = CASE WHEN {Newer} THEN excluded.message ELSE alerts.message END,
                recommended_action = CASE WHEN {Newer} THEN excluded.recommended_action ELSE alerts.recommended_action END,
                details = CASE WHEN {Newer} THEN excluded.details ELSE alerts.details END
            RETURNING fingerprint, alert_id, (xmax = 0), state, occurrences, severity
            """, connection, transaction);
        upsert.Parameters.Add(Column(findings.Select(f => f.Fingerprint).ToArray(), NpgsqlDbType.Text));
        upsert.Parameters.Add(Column(findings.Select(f => f.Connector).ToArray(), NpgsqlDbType.Text));
        upsert.Parameters.Add(Column(findings.Select(f => f.Finding.Rule).ToArray(), NpgsqlDbType.Text));
        upsert.Parameters.Add(Column(findings.Select(f => f.Finding.Key).ToArray(), NpgsqlDbType.Text));
        upsert.Parameters.Add(Column(findings.Select(f => SeverityNames.Name(f.Finding.Severity)).ToArray(), NpgsqlDbType.Text));
        upsert.Parameters.Add(Column(findings.Select(f => f.Finding.Message).ToArray(), NpgsqlDbType.Text));
        upsert.Parameters.Add(Column(findings.Select(f => f.Finding.RecommendedAction).ToArray(), NpgsqlDbType.Text));
        upsert.Parameters.Add(Column(findings.Select(f => JsonSerializer.Serialize(f.Finding.Details)).ToArray(), NpgsqlDbType.Text));
        upsert.Parameters.Add(Column(
            findings.Select(f => f.Occurrences.Count > 0 ? f.Occurrences.Min(o => o.At) : now).ToArray(), NpgsqlDbType.TimestampTz));
        upsert.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await using var reader = await upsert.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // Columns as returned: fingerprint, alert_id, whether the row was inserted (xmax = 0) rather than updated, state, occurrences,
            // the severity it now has.
            stored[reader.GetString(0)] = new StoredAlert(
                reader.GetInt64(1), reader.GetBoolean(2), reader.GetString(3), reader.GetInt32(4), SeverityNames.Parse(reader.GetString(5)));
        }
        return stored;
    }

    // Occurrences are counted once by their source; the alert's count and last_seen take only the new ones, and its
    // first_seen the earliest of them: runs arrive out of order (and replicas take them in parallel), so the failed run
    // that starts a streak may come in after the alert was raised on the later ones. Returns the new count of each alert
    // that counted any.
    private static async Task<Dictionary<long, int>> AddOccurrencesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Firing> findings,
        Dictionary<string, StoredAlert> stored, CancellationToken cancellationToken)
    {
        var counted = new Dictionary<long, int>();
        var occurrences = findings.SelectMany(f => f.Occurrences.Select(o => (stored[f.Fingerprint].AlertId, Occurrence: o))).ToList();
        if (occurrences.Count == 0)
        {
            return counted;
        }
        await using var occurred = new NpgsqlCommand(
            """
            WITH inserted AS (
                INSERT INTO alerting.occurrences (alert_id, source, occurred_at, detail)
                SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[])
                ON CONFLICT DO NOTHING RETURNING alert_id, occurred_at
            ), counted AS (
                SELECT alert_id, count(*) AS n, min(occurred_at) AS earliest, max(occurred_at) AS latest FROM inserted GROUP BY alert_id
            )
            UPDATE alerting.alerts a SET occurrences = a.occurrences + counted.n, last_seen = greatest(a.last_seen, counted.latest),
                first_seen = least(a.first_seen, counted.earliest)
            FROM counted WHERE a.alert_id = counted.alert_id
            RETURNING a.alert_id, a.occurrences
            """, connection, transaction);
        occurred.Parameters.Add(Column(occurrences.Select(o => o.AlertId).ToArray(), NpgsqlDbType.Bigint));
        occurred.Parameters.Add(Column(occurrences.Select(o => o.Occurrence.Source).ToArray(), NpgsqlDbType.Text));
        occurred.Parameters.Add(Column(occurrences.Select(o => o.Occurrence.At).ToArray(), NpgsqlDbType.TimestampTz));
        occurred.Parameters.Add(Column(occurrences.Select(o => o.Occurrence.Detail).ToArray(), NpgsqlDbType.Text));
        await using var reader = await occurred.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            counted[reader.GetInt64(0)] = reader.GetInt32(1);
        }
        return counted;
    }

    // The moment an alert is raised: linked to its fingerprint's last resolved alert, flapping if those resolved too
    // often lately, its firing notification queued, and announced once the transaction commits.
    private async Task RaiseAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EvaluationContext context, Firing firing, long alertId,
        DateTimeOffset now, AlertChanges changes, CancellationToken cancellationToken)
    {
        var (connector, finding, fingerprint) = (firing.Connector, firing.Finding, firing.Fingerprint);
        var settings = options.CurrentValue;
        var (previousAlertId, resolutions) = await ReadResolvedPredecessorsAsync(connection, transaction, fingerprint, cancellationToken);
        var flapping = Flapping.IsFlapping(resolutions, now, settings.FlapWindow, settings.FlapThreshold);
        var causedBy = await CausalLinks.LinkAsync(connection, transaction, context, connector, finding.Rule, alertId, cancellationToken);
        var alert = new OpenAlert(alertId, fingerprint, connector, finding.Rule, finding.Severity, null, flapping, causedBy);
        context.OpenAlerts.Add(alert);
        await notifications.QueueAsync(connection, transaction, context, alert, NotificationKinds.Firing, now, cancellationToken);
        await using (var link = new NpgsqlCommand(
            "UPDATE alerting.alerts SET previous_alert_id = $2, flapping = $3, caused_by_alert_id = $4 WHERE alert_id = $1",
            connection, transaction))
        {
            link.Parameters.Add(new NpgsqlParameter { Value = alertId, NpgsqlDbType = NpgsqlDbType.Bigint });
            link.Parameters.Add(new NpgsqlParameter { Value = (object?)previousAlertId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            link.Parameters.AddWithValue(flapping);
            link.Parameters.Add(new NpgsqlParameter { Value = (object?)causedBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            await link.ExecuteNonQueryAsync(cancellationToken);
        }
        changes.Raised.Add(new AlertRaised(alertId, connector, finding.Rule, SeverityNames.Name(finding.Severity), finding.Message,
            finding.RecommendedAction, now, previousAlertId));
        LogRaised(logger, alertId, finding.Rule, connector, finding.Message);
    }

    // The fingerprint's latest resolved alert, and when its recent resolved alerts were resolved.
    private static async Task<(long? PreviousAlertId, List<DateTimeOffset> Resolutions)> ReadResolvedPredecessorsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string fingerprint, CancellationToken cancellationToken)
    {
        long? previousAlertId = null;
        var resolutions = new List<DateTimeOffset>();
        await using var history = new NpgsqlCommand(
            $"""
            SELECT alert_id, resolved_at FROM alerting.alerts
            WHERE fingerprint = $1 AND state = 'resolved' ORDER BY resolved_at DESC LIMIT {ResolutionsReadForFlapping}
            """, connection, transaction);
        history.Parameters.AddWithValue(fingerprint);
        await using var reader = await history.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            previousAlertId ??= reader.GetInt64(0);
            if (!reader.IsDBNull(1))
            {
                resolutions.Add(reader.GetFieldValue<DateTimeOffset>(1));
            }
        }
        return (previousAlertId, resolutions);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} raised: {Rule} for {Connector}: {Message}")]
    private static partial void LogRaised(ILogger logger, long alertId, string rule, string connector, string message);
}
