using System.Text.Json;
using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Contracts;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Alerting.Alerts;

/// <summary>
/// Turns runs and drift events into alerts. Each batch is one transaction under per-connector advisory locks (in key
/// order): the ledgers make a redelivered message change nothing, the rules are evaluated on what the database holds
/// (so the result does not depend on batching or arrival order), and each finding is upserted on its fingerprint: the
/// unique index on open alerts makes a repeat an occurrence of the open alert, never a second one.
/// </summary>
public sealed partial class AlertEngine(
    NpgsqlDataSource dataSource, IOptionsMonitor<AlertingOptions> options, TimeProvider time, ILogger<AlertEngine> logger)
{
    private const int MaxStreakRuns = 1000;

    private DateTimeOffset _lastForget = DateTimeOffset.MinValue;

    // Rules that must be evaluated even when no run arrives (freshness), or that clear by themselves.
    private static readonly string[] RunRules =
        [RuleNames.ConsecutiveFailures, RuleNames.Freshness, RuleNames.SloBurn, RuleNames.RateLimit, RuleNames.LatencyAnomaly];

    /// <summary>Records a batch of runs and evaluates the rules of their connectors.</summary>
    public async Task<AlertChanges> ProcessRunsAsync(IReadOnlyList<RunCompleted> runs, CancellationToken cancellationToken)
    {
        // A run that breaks the run definition throws before any write (set aside by the consumer, never stored altered);
        // the rest are kept as every store keeps them: UTC to the microsecond.
        var distinct = runs.DistinctBy(r => r.RunId).Select(InvalidRunException.ThrowIfInvalid).ToList();
        if (distinct.Count == 0)
        {
            return AlertChanges.None;
        }
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var connectors = distinct.Select(r => r.Connector).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        await LockAsync(connection, transaction, connectors, cancellationToken);
        var fresh = await RecordRunsAsync(connection, transaction, distinct, cancellationToken);
        var changes = new AlertChanges();
        if (fresh.Count > 0)
        {
            var byConnector = fresh.GroupBy(r => r.Connector, StringComparer.Ordinal).ToDictionary(g => g.Key, g => (IReadOnlyList<RunCompleted>)g.ToList());
            await EvaluateAsync(connection, transaction, byConnector.Keys.Order(StringComparer.Ordinal).ToArray(), byConnector, now, changes, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return changes;
    }

    /// <summary>Records drift events (each once) as schema drift alerts.</summary>
    public async Task<AlertChanges> ProcessDriftAsync(IReadOnlyList<SchemaDriftDetected> events, CancellationToken cancellationToken)
    {
        var distinct = events.DistinctBy(e => e.EventId).Where(e => !string.IsNullOrWhiteSpace(e.Connector)).ToList();
        if (distinct.Count == 0)
        {
            return AlertChanges.None;
        }
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var connectors = distinct.Select(e => e.Connector).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        await LockAsync(connection, transaction, connectors, cancellationToken);

        var freshIds = new HashSet<long>();
        await using (var ledger = new NpgsqlCommand(
            """
            INSERT INTO alerting.drift_events (event_id, connector)
            SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING RETURNING event_id
            """, connection, transaction))
        {
            ledger.Parameters.Add(Column(distinct.Select(e => e.EventId).ToArray(), NpgsqlDbType.Bigint));
            ledger.Parameters.Add(Column(distinct.Select(e => e.Connector).ToArray(), NpgsqlDbType.Text));
            await using var reader = await ledger.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                freshIds.Add(reader.GetInt64(0));
            }
        }

        var changes = new AlertChanges();
        var context = await LoadContextAsync(connection, transaction, connectors, now, cancellationToken);
        foreach (var drift in distinct.Where(e => freshIds.Contains(e.EventId)).OrderBy(e => e.FinishedAt))
        {
            var finding = new Firing(drift.Connector, DriftRule.Evaluate(drift), [new Occurrence($"drift:{drift.EventId}", drift.FinishedAt, $"run {drift.RunId}")]);
            await UpsertAsync(connection, transaction, context, [finding], now, changes, cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return changes;
    }

    /// <summary>
    /// Evaluates every connector that has an expected interval or an open alert: freshness fires although no message
    /// arrives, alerts whose condition held clear long enough resolve, and long-firing alerts are notified again.
    /// </summary>
    public async Task<AlertChanges> EvaluateAllAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var connectors = new List<string>();
        await using (var command = dataSource.CreateCommand(
            """
            SELECT connector FROM alerting.connectors WHERE expected_interval IS NOT NULL
            UNION SELECT connector FROM alerting.alerts WHERE state <> 'resolved'
            ORDER BY 1
            """))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                connectors.Add(reader.GetString(0));
            }
        }

        var changes = new AlertChanges();
        foreach (var chunk in connectors.Chunk(100))
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await LockAsync(connection, transaction, chunk, cancellationToken);
            await EvaluateAsync(connection, transaction, chunk, new Dictionary<string, IReadOnlyList<RunCompleted>>(), now, changes, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
        await QueueRepeatsAsync(now, cancellationToken);
        await ForgetOldRunsAsync(now, cancellationToken);
        return changes;
    }

    // Runs past RunRetention and minute counts past the longest burn-rate window (3 days) are dropped, hourly.
    private async Task ForgetOldRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now - _lastForget < TimeSpan.FromHours(1))
        {
            return;
        }
        _lastForget = now;
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("DELETE FROM alerting.runs WHERE finished_at < $1", Instant(now - options.CurrentValue.RunRetention)));
        batch.BatchCommands.Add(Command("DELETE FROM alerting.connector_minutes WHERE minute < $1", Instant(now - TimeSpan.FromDays(4))));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<List<RunCompleted>> RecordRunsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<RunCompleted> runs, CancellationToken cancellationToken)
    {
        var freshIds = new HashSet<Guid>();
        await using (var ledger = new NpgsqlCommand(
            """
            INSERT INTO alerting.runs (run_id, connector, finished_at, status, latency_ms, rate_limited, error_type, error_message)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::float8[], $6::boolean[], $7::text[], $8::text[])
            ON CONFLICT (run_id) DO NOTHING
            RETURNING run_id
            """, connection, transaction))
        {
            ledger.Parameters.Add(Column(runs.Select(r => r.RunId).ToArray(), NpgsqlDbType.Uuid));
            ledger.Parameters.Add(Column(runs.Select(r => r.Connector).ToArray(), NpgsqlDbType.Text));
            ledger.Parameters.Add(Column(runs.Select(r => r.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz));
            ledger.Parameters.Add(Column(runs.Select(r => EnumNames.Name(r.Status)).ToArray(), NpgsqlDbType.Text));
            ledger.Parameters.Add(Column(runs.Select(r => double.IsFinite(r.LatencyMs) ? r.LatencyMs : 0).ToArray(), NpgsqlDbType.Double));
            ledger.Parameters.Add(Column(runs.Select(r => r.RateLimited).ToArray(), NpgsqlDbType.Boolean));
            ledger.Parameters.Add(Column(runs.Select(r => r.ErrorType).ToArray(), NpgsqlDbType.Text));
            ledger.Parameters.Add(Column(runs.Select(r => r.ErrorMessage).ToArray(), NpgsqlDbType.Text));
            await using var reader = await ledger.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                freshIds.Add(reader.GetGuid(0));
            }
        }
        var fresh = runs.Where(r => freshIds.Contains(r.RunId)).ToList();
        if (fresh.Count == 0)
        {
            return fresh;
        }

        var minutes = fresh
            .GroupBy(r => (r.Connector, Minute: Minute(r.FinishedAt)))
            .Select(g => (g.Key.Connector, g.Key.Minute, Total: g.Count(), Failed: g.Count(r => r.Status == RunStatus.Failed), RateLimited: g.Count(r => r.RateLimited)))
            .ToArray();
        var connectors = fresh.GroupBy(r => r.Connector, StringComparer.Ordinal)
            .Select(g => (Connector: g.Key, First: g.Min(r => r.FinishedAt), Last: g.Max(r => r.FinishedAt),
                LastSuccess: g.Where(r => r.Status == RunStatus.Succeeded).Select(r => (DateTimeOffset?)r.FinishedAt).Max(),
                Interval: g.OrderBy(r => r.FinishedAt).Select(r => r.ExpectedInterval).LastOrDefault(i => i is not null)))
            .ToArray();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO alerting.connector_minutes (connector, minute, total, failed, rate_limited)
            SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::integer[], $4::integer[], $5::integer[])
            ON CONFLICT (connector, minute) DO UPDATE SET total = connector_minutes.total + excluded.total,
                failed = connector_minutes.failed + excluded.failed, rate_limited = connector_minutes.rate_limited + excluded.rate_limited
            """,
            Column(minutes.Select(m => m.Connector).ToArray(), NpgsqlDbType.Text),
            Column(minutes.Select(m => m.Minute).ToArray(), NpgsqlDbType.TimestampTz),
            Column(minutes.Select(m => m.Total).ToArray(), NpgsqlDbType.Integer),
            Column(minutes.Select(m => m.Failed).ToArray(), NpgsqlDbType.Integer),
            Column(minutes.Select(m => m.RateLimited).ToArray(), NpgsqlDbType.Integer)));
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO alerting.connectors (connector, first_seen_at, last_run_at, last_success_at, expected_interval)
            SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::interval[])
            ON CONFLICT (connector) DO UPDATE SET
                first_seen_at = least(connectors.first_seen_at, excluded.first_seen_at),
                last_run_at = greatest(connectors.last_run_at, excluded.last_run_at),
                last_success_at = greatest(connectors.last_success_at, excluded.last_success_at),
                expected_interval = coalesce(excluded.expected_interval, connectors.expected_interval),
                updated_at = now()
            """,
            Column(connectors.Select(c => c.Connector).ToArray(), NpgsqlDbType.Text),
            Column(connectors.Select(c => c.First).ToArray(), NpgsqlDbType.TimestampTz),
            Column(connectors.Select(c => c.Last).ToArray(), NpgsqlDbType.TimestampTz),
            Column(connectors.Select(c => c.LastSuccess).ToArray(), NpgsqlDbType.TimestampTz),
            Column(connectors.Select(c => c.Interval).ToArray(), NpgsqlDbType.Interval)));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        return fresh;
    }

    // Evaluates every run rule of the connectors on what the database holds, upserting what fires and letting what
    // held clear long enough resolve. Fresh runs are the occurrences of what they triggered.
    private async Task EvaluateAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors,
        IReadOnlyDictionary<string, IReadOnlyList<RunCompleted>> fresh, DateTimeOffset now, AlertChanges changes,
        CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        var fromApi = await RuleOverridesStore.LoadAsync(connection, transaction, connectors, cancellationToken);
        var thresholds = connectors.ToDictionary(c => c, c => settings.ThresholdsFor(c, fromApi.GetValueOrDefault(c)), StringComparer.Ordinal);
        var facts = await LoadFactsAsync(connection, transaction, connectors, thresholds, fresh, now, cancellationToken);
        var context = await LoadContextAsync(connection, transaction, connectors, now, cancellationToken);
        var toWrite = new List<Firing>();
        var firing = new HashSet<string>(StringComparer.Ordinal);
        foreach (var connector in connectors)
        {
            var f = facts[connector];
            var t = thresholds[connector];
            var runs = fresh.GetValueOrDefault(connector) ?? [];
            var findings = new List<(Finding Finding, IReadOnlyList<Occurrence> Occurrences)>();

            // Failure and freshness first: they inhibit the others' notifications.
            if (ConsecutiveFailuresRule.Evaluate(connector, f.Streak.Count, f.LastErrorType, f.LastErrorMessage, t) is { } failing)
            {
                findings.Add((failing, f.Streak.Select(s => new Occurrence($"run:{s.RunId}", s.FinishedAt, $"failed run {s.RunId}")).ToList()));
            }
            if (FreshnessRule.Evaluate(connector, f.LastSuccessAt, f.FirstSeenAt, f.Interval, now, t) is { } stale)
            {
                var since = f.LastSuccessAt ?? f.FirstSeenAt!.Value;
                findings.Add((stale, [new Occurrence($"stale:{since.UtcTicks}", now, $"no successful run since {since:O}")]));
            }
            if (SloBurn.Evaluate(connector, f.Windows, t) is { } burning)
            {
                findings.Add((burning, runs.Where(r => r.Status == RunStatus.Failed).Select(RunOccurrence).ToList()));
            }
            if (RateLimitRule.Evaluate(connector, f.RateWindow, t) is { } limited)
            {
                findings.Add((limited, runs.Where(r => r.RateLimited).Select(RunOccurrence).ToList()));
            }
            if (Latency(connector, f, runs, t) is { } slow)
            {
                findings.Add(slow);
            }

            foreach (var (finding, occurrences) in findings)
            {
                var candidate = new Firing(connector, finding, occurrences);
                firing.Add(candidate.Fingerprint);
                // Still firing with nothing new (no run triggered it again, not clearing): nothing to write.
                if (occurrences.Count == 0 && context.OpenAlerts.Any(a => a.Fingerprint == candidate.Fingerprint && a.ClearSince is null))
                {
                    continue;
                }
                toWrite.Add(candidate);
            }
        }
        // Every connector's findings in two statements: each connector has one finding per rule, so no fingerprint repeats.
        await UpsertAsync(connection, transaction, context, toWrite, now, changes, cancellationToken);
        foreach (var open in context.OpenAlerts.Where(a => RunRules.Contains(a.Rule) && !firing.Contains(a.Fingerprint)).ToList())
        {
            await ClearAsync(connection, transaction, context, open, now, settings.ResolveAfter, changes, cancellationToken);
        }
    }

    // Each fresh successful run is judged against the successful runs before it (median and MAD, so one spike does
    // not poison the baseline); with no fresh run, the latest one is. The alert's condition holds while the latest
    // successful run is anomalous.
    private static (Finding, IReadOnlyList<Occurrence>)? Latency(string connector, ConnectorFacts f, IReadOnlyList<RunCompleted> runs, RuleThresholds t)
    {
        var successes = f.RecentSuccesses; // oldest first
        if (successes.Count == 0)
        {
            return null;
        }
        var freshIds = runs.Where(r => r.Status == RunStatus.Succeeded).Select(r => r.RunId).ToHashSet();
        var judged = freshIds.Count > 0 ? successes.Where(s => freshIds.Contains(s.RunId)).ToList() : [successes[^1]];
        Finding? latest = null;
        var occurrences = new List<Occurrence>();
        foreach (var run in judged)
        {
            var index = successes.IndexOf(run);
            var baseline = successes.Take(index).TakeLast(t.LatencyBaselineRuns).Select(s => s.LatencyMs).ToList();
            if (LatencyBaseline.Evaluate(connector, run.LatencyMs, baseline, t) is { } finding)
            {
                occurrences.Add(new Occurrence($"run:{run.RunId}", run.FinishedAt, $"{run.LatencyMs:0} ms"));
                latest = finding;
            }
        }
        return latest is null ? null : (latest, occurrences);
    }

    private static Occurrence RunOccurrence(RunCompleted run) =>
        new($"run:{run.RunId}", run.FinishedAt, run.Status == RunStatus.Failed ? $"failed: {run.ErrorType ?? "unknown"}" : "rate limited");

    // A rule's finding for a connector, with what triggered it this time.
    private sealed record Firing(string Connector, Finding Finding, IReadOnlyList<Occurrence> Occurrences)
    {
        public string Fingerprint { get; } = AlertFingerprint.Of(Connector, Finding.Rule, Finding.Key);
    }

    // Upserts the findings (no two with one fingerprint) on their open alerts and counts their new occurrences: two
    // statements for any number. Alerts this opened are then linked to their predecessors and notified, in the order given
    // (failure and freshness before the rest, so they inhibit the others).
    private async Task UpsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EvaluationContext context, IReadOnlyList<Firing> findings,
        DateTimeOffset now, AlertChanges changes, CancellationToken cancellationToken)
    {
        if (findings.Count == 0)
        {
            return;
        }
        var stored = new Dictionary<string, (long AlertId, bool Created)>(StringComparer.Ordinal);
        await using (var upsert = new NpgsqlCommand(
            """
            INSERT INTO alerting.alerts (fingerprint, connector, rule, key, severity, state, message, recommended_action, details,
                                         occurrences, first_seen, last_seen, created_at)
            SELECT f, c, r, k, s, 'firing', m, a, d::jsonb, 0, t, t, $10
            FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])
                AS u(f, c, r, k, s, m, a, d, t)
            ON CONFLICT (fingerprint) WHERE state <> 'resolved' DO UPDATE SET
                last_seen = greatest(alerts.last_seen, excluded.last_seen), clear_since = NULL, severity = excluded.severity,
                message = excluded.message, recommended_action = excluded.recommended_action, details = excluded.details
            RETURNING fingerprint, alert_id, (xmax = 0)
            """, connection, transaction))
        {
            upsert.Parameters.Add(Column(findings.Select(f => f.Fingerprint).ToArray(), NpgsqlDbType.Text));
            upsert.Parameters.Add(Column(findings.Select(f => f.Connector).ToArray(), NpgsqlDbType.Text));
            upsert.Parameters.Add(Column(findings.Select(f => f.Finding.Rule).ToArray(), NpgsqlDbType.Text));
            upsert.Parameters.Add(Column(findings.Select(f => f.Finding.Key).ToArray(), NpgsqlDbType.Text));
            upsert.Parameters.Add(Column(findings.Select(f => SeverityName(f.Finding.Severity)).ToArray(), NpgsqlDbType.Text));
            upsert.Parameters.Add(Column(findings.Select(f => f.Finding.Message).ToArray(), NpgsqlDbType.Text));
            upsert.Parameters.Add(Column(findings.Select(f => f.Finding.RecommendedAction).ToArray(), NpgsqlDbType.Text));
            upsert.Parameters.Add(Column(findings.Select(f => JsonSerializer.Serialize(f.Finding.Details)).ToArray(), NpgsqlDbType.Text));
            upsert.Parameters.Add(Column(findings.Select(f => f.Occurrences.Count > 0 ? f.Occurrences.Min(o => o.At) : now).ToArray(), NpgsqlDbType.TimestampTz));
            upsert.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await using var reader = await upsert.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stored[reader.GetString(0)] = (reader.GetInt64(1), reader.GetBoolean(2));
            }
        }

        var occurrences = findings.SelectMany(f => f.Occurrences.Select(o => (stored[f.Fingerprint].AlertId, Occurrence: o))).ToList();
        if (occurrences.Count > 0)
        {
            await using var occurred = new NpgsqlCommand(
                """
                WITH inserted AS (
                    INSERT INTO alerting.occurrences (alert_id, source, occurred_at, detail)
                    SELECT * FROM unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[])
                    ON CONFLICT DO NOTHING RETURNING alert_id, occurred_at
                ), counted AS (
                    SELECT alert_id, count(*) AS n, max(occurred_at) AS latest FROM inserted GROUP BY alert_id
                )
                UPDATE alerting.alerts a SET occurrences = a.occurrences + counted.n, last_seen = greatest(a.last_seen, counted.latest)
                FROM counted WHERE a.alert_id = counted.alert_id
                """, connection, transaction);
            occurred.Parameters.Add(Column(occurrences.Select(o => o.AlertId).ToArray(), NpgsqlDbType.Bigint));
            occurred.Parameters.Add(Column(occurrences.Select(o => o.Occurrence.Source).ToArray(), NpgsqlDbType.Text));
            occurred.Parameters.Add(Column(occurrences.Select(o => o.Occurrence.At).ToArray(), NpgsqlDbType.TimestampTz));
            occurred.Parameters.Add(Column(occurrences.Select(o => o.Occurrence.Detail).ToArray(), NpgsqlDbType.Text));
            await occurred.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var firing in findings.Where(f => stored[f.Fingerprint].Created))
        {
            await LinkNewAlertAsync(connection, transaction, context, firing, stored[firing.Fingerprint].AlertId, now, changes, cancellationToken);
        }
    }

    // A new alert: linked to the fingerprint's last resolved one; flapping if it resolved too often lately; notified.
    private async Task LinkNewAlertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EvaluationContext context, Firing firing, long alertId,
        DateTimeOffset now, AlertChanges changes, CancellationToken cancellationToken)
    {
        var (connector, finding, fingerprint) = (firing.Connector, firing.Finding, firing.Fingerprint);
        var settings = options.CurrentValue;
        long? previous = null;
        var resolutions = new List<DateTimeOffset>();
        await using (var history = new NpgsqlCommand(
            """
            SELECT alert_id, resolved_at FROM alerting.alerts
            WHERE fingerprint = $1 AND state = 'resolved' ORDER BY resolved_at DESC LIMIT 100
            """, connection, transaction))
        {
            history.Parameters.AddWithValue(fingerprint);
            await using var reader = await history.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                previous ??= reader.GetInt64(0);
                if (!reader.IsDBNull(1))
                {
                    resolutions.Add(reader.GetFieldValue<DateTimeOffset>(1));
                }
            }
        }
        var flapping = Flapping.IsFlapping(resolutions, now, settings.FlapWindow, settings.FlapThreshold);
        var alert = new OpenAlert(alertId, fingerprint, connector, finding.Rule, finding.Severity, null, flapping);
        context.OpenAlerts.Add(alert);
        var queued = await QueueAsync(connection, transaction, context, alert, "firing", now, cancellationToken);
        await using (var link = new NpgsqlCommand(
            "UPDATE alerting.alerts SET previous_alert_id = $2, flapping = $3, last_notified_at = CASE WHEN $4 THEN $5 END WHERE alert_id = $1",
            connection, transaction))
        {
            link.Parameters.Add(new NpgsqlParameter { Value = alertId, NpgsqlDbType = NpgsqlDbType.Bigint });
            link.Parameters.Add(new NpgsqlParameter { Value = (object?)previous ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            link.Parameters.AddWithValue(flapping);
            link.Parameters.AddWithValue(queued > 0);
            link.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await link.ExecuteNonQueryAsync(cancellationToken);
        }
        changes.Raised.Add(new AlertRaised(alertId, connector, finding.Rule, SeverityName(finding.Severity), finding.Message,
            finding.RecommendedAction, now, previous));
        LogRaised(logger, alertId, finding.Rule, connector, finding.Message);
    }

    private static async Task ClearAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EvaluationContext context, OpenAlert alert, DateTimeOffset now,
        TimeSpan resolveAfter, AlertChanges changes, CancellationToken cancellationToken)
    {
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

    /// <summary>Resolves an open alert and queues its resolution for every channel its firing was sent to.</summary>
    public static async Task<bool> ResolveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long alertId, string resolution, string by, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            WITH resolved AS (
                UPDATE alerting.alerts SET state = 'resolved', resolved_at = $2, resolution = $3, resolved_by = $4, clear_since = NULL
                WHERE alert_id = $1 AND state <> 'resolved'
                RETURNING alert_id
            ), queued AS (
                INSERT INTO alerting.notifications (alert_id, channel, kind, status, next_attempt_at)
                SELECT DISTINCT r.alert_id, n.channel, 'resolved', 'pending', $2::timestamptz
                FROM resolved r JOIN alerting.notifications n ON n.alert_id = r.alert_id
                WHERE n.kind = 'firing' AND n.status IN ('pending', 'delivered')
                RETURNING 1
            )
            SELECT count(*) FROM resolved
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = alertId, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.AddWithValue(resolution);
        command.Parameters.AddWithValue(by);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! > 0;
    }

    // Queues one notification per routed channel: pending, or held (silenced, inhibited, flapping) with the reason.
    private async Task<int> QueueAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, EvaluationContext context, OpenAlert alert, string kind,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var channels = Routing.ChannelsFor(options.CurrentValue.Channels, alert.Rule, alert.Severity).ToArray();
        if (channels.Length == 0)
        {
            return 0;
        }
        var openRules = context.OpenAlerts.Where(a => a.Connector == alert.Connector && a.AlertId != alert.AlertId).Select(a => a.Rule).ToArray();
        var reason = context.Silences.FirstOrDefault(s => s.Matches(alert.Connector, alert.Rule, alert.Severity, now)) is { } silence
            ? $"silenced by {silence.Id} ({silence.Author}: {silence.Comment})"
            : Inhibition.IsInhibited(alert.Rule, openRules)
                ? "inhibited: the connector's failure or freshness alert is firing"
                : alert.Flapping ? "flapping: it fired and resolved too often lately" : null;
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO alerting.notifications (alert_id, channel, kind, status, reason, next_attempt_at)
            SELECT $1, c, $3, $4, $5, $6 FROM unnest($2::text[]) AS c
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = alert.AlertId, NpgsqlDbType = NpgsqlDbType.Bigint });
        insert.Parameters.Add(Column(channels, NpgsqlDbType.Text));
        insert.Parameters.AddWithValue(kind);
        insert.Parameters.AddWithValue(reason is null ? "pending" : "held");
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        await insert.ExecuteNonQueryAsync(cancellationToken);
        return reason is null ? channels.Length : 0;
    }

    // Firing alerts nobody acknowledged are notified again every RepeatInterval.
    private async Task QueueRepeatsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var due = new List<OpenAlert>();
        await using (var command = new NpgsqlCommand(
            """
            SELECT alert_id, fingerprint, connector, rule, severity, flapping FROM alerting.alerts
            WHERE state = 'firing' AND last_notified_at < $1
            ORDER BY alert_id LIMIT 500 FOR UPDATE SKIP LOCKED
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = now - settings.RepeatInterval, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                due.Add(new OpenAlert(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                    ParseSeverity(reader.GetString(4)), null, reader.GetBoolean(5)));
            }
        }
        if (due.Count == 0)
        {
            return;
        }
        var context = await LoadContextAsync(connection, transaction, due.Select(d => d.Connector).Distinct().ToArray(), now, cancellationToken);
        foreach (var alert in due)
        {
            await QueueAsync(connection, transaction, context, alert, "repeat", now, cancellationToken);
            await using var mark = new NpgsqlCommand("UPDATE alerting.alerts SET last_notified_at = $2 WHERE alert_id = $1", connection, transaction);
            mark.Parameters.Add(new NpgsqlParameter { Value = alert.AlertId, NpgsqlDbType = NpgsqlDbType.Bigint });
            mark.Parameters.Add(new NpgsqlParameter { Value = now, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
    }

    private static async Task<Dictionary<string, ConnectorFacts>> LoadFactsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors, Dictionary<string, RuleThresholds> thresholds,
        IReadOnlyDictionary<string, IReadOnlyList<RunCompleted>> fresh, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var facts = connectors.ToDictionary(c => c, c => new ConnectorFacts(), StringComparer.Ordinal);
        var rateStarts = connectors.Select(c => Minute(now - thresholds[c].RateLimitWindow)).ToArray();
        var limits = connectors.Select(c => thresholds[c].LatencyBaselineRuns + (fresh.GetValueOrDefault(c)?.Count ?? 0) + 1).ToArray();
        var connectorColumn = Column(connectors, NpgsqlDbType.Text);

        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            "SELECT connector, first_seen_at, last_success_at, expected_interval FROM alerting.connectors WHERE connector = ANY($1)",
            connectorColumn));
        batch.BatchCommands.Add(Command(
            $"""
            SELECT c.connector, r.run_id, r.finished_at, r.error_type, r.error_message
            FROM alerting.connectors c
            JOIN LATERAL (
                SELECT run_id, finished_at, error_type, error_message FROM alerting.runs r
                WHERE r.connector = c.connector AND r.status = 'failed' AND r.finished_at > coalesce(c.last_success_at, '-infinity')
                ORDER BY r.finished_at DESC LIMIT {MaxStreakRuns}
            ) r ON true
            WHERE c.connector = ANY($1)
            """, Column(connectors, NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            """
            SELECT k.c,
                   coalesce(sum(m.total) FILTER (WHERE m.minute >= $2), 0), coalesce(sum(m.failed) FILTER (WHERE m.minute >= $2), 0),
                   coalesce(sum(m.total) FILTER (WHERE m.minute >= $3), 0), coalesce(sum(m.failed) FILTER (WHERE m.minute >= $3), 0),
                   coalesce(sum(m.total) FILTER (WHERE m.minute >= $4), 0), coalesce(sum(m.failed) FILTER (WHERE m.minute >= $4), 0),
                   coalesce(sum(m.total) FILTER (WHERE m.minute >= $5), 0), coalesce(sum(m.failed) FILTER (WHERE m.minute >= $5), 0),
                   coalesce(sum(m.total), 0), coalesce(sum(m.failed), 0),
                   coalesce(sum(m.total) FILTER (WHERE m.minute >= k.rate_start), 0),
                   coalesce(sum(m.rate_limited) FILTER (WHERE m.minute >= k.rate_start), 0)
            FROM unnest($1::text[], $7::timestamptz[]) AS k(c, rate_start)
            LEFT JOIN alerting.connector_minutes m ON m.connector = k.c AND m.minute >= least($6, k.rate_start)
            GROUP BY k.c
            """,
            Column(connectors, NpgsqlDbType.Text),
            Instant(Minute(now - TimeSpan.FromMinutes(5))), Instant(Minute(now - TimeSpan.FromMinutes(30))),
            Instant(Minute(now - TimeSpan.FromHours(1))), Instant(Minute(now - TimeSpan.FromHours(6))),
            Instant(Minute(now - TimeSpan.FromDays(3))), Column(rateStarts, NpgsqlDbType.TimestampTz)));
        batch.BatchCommands.Add(Command(
            """
            SELECT k.c, r.run_id, r.finished_at, r.latency_ms
            FROM unnest($1::text[], $2::integer[]) AS k(c, n)
            JOIN LATERAL (
                SELECT run_id, finished_at, latency_ms FROM alerting.runs
                WHERE connector = k.c AND status = 'succeeded' ORDER BY finished_at DESC LIMIT k.n
            ) r ON true
            """, Column(connectors, NpgsqlDbType.Text), Column(limits, NpgsqlDbType.Integer)));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var f = facts[reader.GetString(0)];
            f.FirstSeenAt = reader.GetFieldValue<DateTimeOffset>(1);
            f.LastSuccessAt = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);
            f.Interval = reader.IsDBNull(3) ? null : reader.GetFieldValue<TimeSpan>(3);
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var f = facts[reader.GetString(0)];
            if (f.Streak.Count == 0)
            {
                f.LastErrorType = reader.IsDBNull(3) ? null : reader.GetString(3);
                f.LastErrorMessage = reader.IsDBNull(4) ? null : reader.GetString(4);
            }
            f.Streak.Add((reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2)));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var f = facts[reader.GetString(0)];
            WindowCounts W(int total, int failed) => new(reader.GetInt64(total), reader.GetInt64(failed), 0);
            f.Windows = new SloWindows(W(1, 2), W(3, 4), W(5, 6), W(7, 8), W(9, 10));
            f.RateWindow = new WindowCounts(reader.GetInt64(11), 0, reader.GetInt64(12));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            facts[reader.GetString(0)].RecentSuccesses.Add(new Success(reader.GetGuid(1), reader.GetFieldValue<DateTimeOffset>(2), reader.GetDouble(3)));
        }
        foreach (var f in facts.Values)
        {
            f.RecentSuccesses.Sort((a, b) => a.FinishedAt.CompareTo(b.FinishedAt));
        }
        return facts;
    }

    private static async Task<EvaluationContext> LoadContextAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var context = new EvaluationContext();
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(
            """
            SELECT alert_id, fingerprint, connector, rule, severity, clear_since, flapping FROM alerting.alerts
            WHERE connector = ANY($1) AND state <> 'resolved'
            """, Column(connectors, NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            $"SELECT {SilenceRows.Columns} FROM alerting.silences WHERE starts_at <= $1 AND ends_at > $1",
            Instant(now)));
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            context.OpenAlerts.Add(new OpenAlert(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                ParseSeverity(reader.GetString(4)), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5), reader.GetBoolean(6)));
        }
        await reader.NextResultAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            context.Silences.Add(SilenceRows.Read(reader));
        }
        return context;
    }

    private static async Task LockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string[] connectors, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT count(*) FROM (
                SELECT pg_advisory_xact_lock(hashtext('alerting.connector'), k)
                FROM (SELECT DISTINCT hashtext(c) AS k FROM unnest($1::text[]) AS c ORDER BY k) keys
            ) locked
            """, connection, transaction);
        command.Parameters.Add(Column(connectors, NpgsqlDbType.Text));
        await command.ExecuteScalarAsync(cancellationToken);
    }

    public static string SeverityName(Severity severity) => severity.ToString().ToLowerInvariant();

    public static Severity ParseSeverity(string text) =>
        EnumNames.TryParse<Severity>(text, out var severity) ? severity : throw new InvalidOperationException($"Stored severity '{text}' is not a severity.");

    private static DateTimeOffset Minute(DateTimeOffset instant)
    {
        var utc = instant.ToUniversalTime();
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, utc.Minute, 0, TimeSpan.Zero);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert {AlertId} raised: {Rule} for {Connector}: {Message}")]
    private static partial void LogRaised(ILogger logger, long alertId, string rule, string connector, string message);
}
