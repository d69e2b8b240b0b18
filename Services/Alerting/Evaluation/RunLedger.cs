using ConnectorHealth.Alerting.Rules;
using ConnectorHealth.Contracts;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using static ConnectorHealth.Alerting.Evaluation.MinuteBuckets;
using static ConnectorHealth.ServiceDefaults.Sql;

namespace ConnectorHealth.Alerting.Evaluation;

/// <summary>
/// What Alerting has received: every run and drift event once by its id (a redelivery is not fresh and changes
/// nothing), the per-minute counts and the connector facts the fresh runs add to, and the forgetting of old runs.
/// </summary>
public sealed class RunLedger(NpgsqlDataSource dataSource, IOptionsMonitor<AlertingOptions> options)
{
    // The longest burn-rate window is 3 days; a day more leaves room for late runs.
    private static readonly TimeSpan MinuteCountsKept = TimeSpan.FromDays(4);
    private static readonly TimeSpan ForgetEvery = TimeSpan.FromHours(1);

    private DateTimeOffset _lastForgotten = DateTimeOffset.MinValue;

    /// <summary>Records the runs, each once, and returns those not recorded before.</summary>
    internal static async Task<List<RunCompleted>> RecordRunsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<RunCompleted> runs, CancellationToken cancellationToken)
    {
        var freshIds = new HashSet<Guid>();
        await using (var ledger = new NpgsqlCommand(
            """
            INSERT INTO alerting.runs (run_id, connector, finished_at, status, latency_ms, rate_limited, error_type, error_message, served_ms,
                                       started_at)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::float8[], $6::boolean[], $7::text[], $8::text[],
                                 $9::float8[], $10::timestamptz[])
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
            ledger.Parameters.Add(Column(runs.Select(LatencyBaseline.ServedMs).ToArray(), NpgsqlDbType.Double));
            ledger.Parameters.Add(Column(runs.Select(r => r.StartedAt).ToArray(), NpgsqlDbType.TimestampTz));
            await using var reader = await ledger.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                freshIds.Add(reader.GetGuid(0));
            }
        }
        var fresh = runs.Where(r => freshIds.Contains(r.RunId)).ToList();
        if (fresh.Count > 0)
        {
            await AddToCountsAndFactsAsync(connection, transaction, fresh, cancellationToken);
            await LineageLedger.RecordCompletedAsync(connection, transaction, fresh, cancellationToken);
        }
        return fresh;
    }

    /// <summary>Records the drift events, each once, and returns the ids of those not recorded before.</summary>
    internal static async Task<HashSet<long>> RecordDriftEventsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<SchemaDriftDetected> events, CancellationToken cancellationToken)
    {
        var freshIds = new HashSet<long>();
        await using var ledger = new NpgsqlCommand(
            """
            INSERT INTO alerting.drift_events (event_id, connector)
            SELECT * FROM unnest($1::bigint[], $2::text[]) ON CONFLICT DO NOTHING RETURNING event_id
            """, connection, transaction);
        ledger.Parameters.Add(Column(events.Select(e => e.EventId).ToArray(), NpgsqlDbType.Bigint));
        ledger.Parameters.Add(Column(events.Select(e => e.Connector).ToArray(), NpgsqlDbType.Text));
        await using var reader = await ledger.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            freshIds.Add(reader.GetInt64(0));
        }
        return freshIds;
    }

    /// <summary>Drops runs past <see cref="AlertingOptions.RunRetention"/> and minute counts no window reads, at most hourly.</summary>
    public async Task ForgetOldRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now - _lastForgotten < ForgetEvery)
        {
            return;
        }
        _lastForgotten = now;
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command("DELETE FROM alerting.runs WHERE finished_at < $1", Instant(now - options.CurrentValue.RunRetention)));
        batch.BatchCommands.Add(Command("DELETE FROM alerting.connector_minutes WHERE minute < $1", Instant(now - MinuteCountsKept)));
        batch.BatchCommands.Add(Command("DELETE FROM alerting.output_volumes WHERE finished_at < $1", Instant(now - options.CurrentValue.RunRetention)));
        batch.BatchCommands.Add(Command("DELETE FROM alerting.job_inputs WHERE last_seen_at < $1", Instant(now - options.CurrentValue.RunRetention)));
        batch.BatchCommands.Add(Command("DELETE FROM alerting.job_outputs WHERE last_seen_at < $1", Instant(now - options.CurrentValue.RunRetention)));
        // A run silent for longer than runs are kept is forgotten (its stuck_run alert then clears): nothing bounds them otherwise.
        batch.BatchCommands.Add(Command(
            """
            WITH gone AS (DELETE FROM alerting.runs_in_progress WHERE updated_at < $1 RETURNING run_id)
            DELETE FROM alerting.progress_events WHERE run_id IN (SELECT run_id FROM gone)
            """, Instant(now - options.CurrentValue.RunRetention)));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    // Fresh runs add to their minutes' counts and move their connectors' first, last and last successful run.
    private static async Task AddToCountsAndFactsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<RunCompleted> fresh, CancellationToken cancellationToken)
    {
        // An aborted run was stopped, not judged: it is neither a success nor a failure of any window (nor a rate-limited run).
        var minutes = fresh.Where(r => r.Status != RunStatus.Aborted)
            .GroupBy(r => (r.Connector, Minute: MinuteOf(r.FinishedAt)))
            .Select(g => (g.Key.Connector, g.Key.Minute, Total: g.Count(), Failed: g.Count(r => r.Status == RunStatus.Failed),
                RateLimited: g.Count(r => r.RateLimited)))
            .ToArray();
        // The latest run (by finish time) that states a schedule, an owner or tags says what it is now, and when: a run
        // that states none leaves them as they were.
        static (T? Value, DateTimeOffset? At) Latest<T>(IEnumerable<RunCompleted> runs, Func<RunCompleted, T?> stated) =>
            runs.Where(r => stated(r) is not null).MaxBy(r => r.FinishedAt) is { } run ? (stated(run), run.FinishedAt) : (default, null);
        var connectors = fresh.GroupBy(r => r.Connector, StringComparer.Ordinal)
            .Select(g => (Connector: g.Key, FirstRunAt: g.Min(r => r.FinishedAt), LastRunAt: g.Max(r => r.FinishedAt),
                LastSuccessAt: g.Where(r => r.Status == RunStatus.Succeeded).Select(r => (DateTimeOffset?)r.FinishedAt).Max(),
                ExpectedInterval: Latest(g, r => r.ExpectedInterval),
                Owner: Latest(g, r => r.Owner),
                Tags: Latest(g, r => r.Tags is { } tags ? string.Join('\n', tags) : null),
                Job: g.Select(r => r.Lineage).LastOrDefault(l => l is not null)))
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
            INSERT INTO alerting.connectors (connector, first_seen_at, last_run_at, last_success_at, expected_interval, owner, tags,
                                             expected_interval_stated_at, owner_stated_at, tags_stated_at, job_namespace, job_name)
            SELECT c, f, l, s, i, o, string_to_array(t, E'\n'), ia, oa, ta, jn, jm
            FROM unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::interval[], $6::text[], $7::text[],
                        $8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::text[], $12::text[])
                AS u(c, f, l, s, i, o, t, ia, oa, ta, jn, jm)
            ON CONFLICT (connector) DO UPDATE SET
                -- A connector is one job: every run of it names the same job (LineageNames.Connector), so any run's will do.
                job_namespace = coalesce(excluded.job_namespace, connectors.job_namespace),
                job_name = coalesce(excluded.job_name, connectors.job_name),
                -- Only a later statement replaces one (a batch that states nothing has no time: the comparison is null).
                owner = CASE WHEN excluded.owner_stated_at >= coalesce(connectors.owner_stated_at, '-infinity')
                             THEN excluded.owner ELSE connectors.owner END,
                owner_stated_at = greatest(connectors.owner_stated_at, excluded.owner_stated_at),
                tags = CASE WHEN excluded.tags_stated_at >= coalesce(connectors.tags_stated_at, '-infinity')
                            THEN excluded.tags ELSE connectors.tags END,
                tags_stated_at = greatest(connectors.tags_stated_at, excluded.tags_stated_at),
                expected_interval = CASE WHEN excluded.expected_interval_stated_at >= coalesce(connectors.expected_interval_stated_at, '-infinity')
                                         THEN excluded.expected_interval ELSE connectors.expected_interval END,
                expected_interval_stated_at = greatest(connectors.expected_interval_stated_at, excluded.expected_interval_stated_at),
                first_seen_at = least(connectors.first_seen_at, excluded.first_seen_at),
                last_run_at = greatest(connectors.last_run_at, excluded.last_run_at),
                last_success_at = greatest(connectors.last_success_at, excluded.last_success_at),
                updated_at = now()
            """,
            Column(connectors.Select(c => c.Connector).ToArray(), NpgsqlDbType.Text),
            Column(connectors.Select(c => c.FirstRunAt).ToArray(), NpgsqlDbType.TimestampTz),
            Column(connectors.Select(c => c.LastRunAt).ToArray(), NpgsqlDbType.TimestampTz),
            Column(connectors.Select(c => c.LastSuccessAt).ToArray(), NpgsqlDbType.TimestampTz),
            Column(connectors.Select(c => c.ExpectedInterval.Value).ToArray(), NpgsqlDbType.Interval),
            Column(connectors.Select(c => c.Owner.Value).ToArray(), NpgsqlDbType.Text),
            Column(connectors.Select(c => c.Tags.Value).ToArray(), NpgsqlDbType.Text),
            Column(connectors.Select(c => c.ExpectedInterval.At).ToArray(), NpgsqlDbType.TimestampTz),
            Column(connectors.Select(c => c.Owner.At).ToArray(), NpgsqlDbType.TimestampTz),
            Column(connectors.Select(c => c.Tags.At).ToArray(), NpgsqlDbType.TimestampTz),
            Column(connectors.Select(c => c.Job?.JobNamespace).ToArray(), NpgsqlDbType.Text),
            Column(connectors.Select(c => c.Job?.JobName).ToArray(), NpgsqlDbType.Text)));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
