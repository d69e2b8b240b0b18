using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using ConnectorHealth.Contracts;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics;

public sealed record IncomingRun(RunCompleted Run, string? TraceId);

public sealed record StoreResult(int Stored, int Duplicates, int Rejected);

/// <summary>
/// Stores batches of runs: each RunId once, with its attempts, folded into the rollups and the connector state in the
/// same transaction, so the rollups always equal a recomputation from the raw runs.
/// </summary>
/// <remarks>
/// Replicas write in parallel. Each batch first takes a transaction-scoped advisory lock per connector (in key order,
/// so batches never deadlock), which serialises writers of the same connector: the ledger insert, rollup upserts and
/// the failure-streak recount then see every committed run of that connector.
/// </remarks>
public sealed partial class RunWriter(
    NpgsqlDataSource dataSource, IOptions<MetricsOptions> options, TimeProvider time, ILogger<RunWriter> logger)
{
    private const int MaxConnectorLength = 200;

    private static readonly Counter<long> Stored = Telemetry.Meter.CreateCounter<long>(
        "connectorhealth.metrics.runs.stored", description: "Runs stored for the first time");
    private static readonly Counter<long> Duplicates = Telemetry.Meter.CreateCounter<long>(
        "connectorhealth.metrics.runs.duplicates", description: "Runs received again and ignored");
    private static readonly Counter<long> Rejected = Telemetry.Meter.CreateCounter<long>(
        "connectorhealth.metrics.runs.rejected", description: "Runs that could not be stored (tag: reason)");

    private readonly ConcurrentDictionary<DateOnly, bool> _knownMonths = new();

    /// <summary>The start of the oldest UTC month that retention keeps at <paramref name="now"/>.</summary>
    public static DateTimeOffset RetentionHorizon(DateTimeOffset now, TimeSpan retention)
    {
        var cutoff = now.ToUniversalTime() - retention;
        return new DateTimeOffset(cutoff.Year, cutoff.Month, 1, 0, 0, 0, TimeSpan.Zero);
    }

    public async Task<StoreResult> StoreAsync(IReadOnlyList<IncomingRun> incoming, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var horizon = RetentionHorizon(now, options.Value.RawRunRetention);
        var latest = now + options.Value.FutureTolerance;

        var rows = new List<RunRow>(incoming.Count);
        var seen = new HashSet<Guid>();
        int duplicates = 0, rejected = 0;
        foreach (var (run, traceId) in incoming)
        {
            if (!seen.Add(run.RunId))
            {
                duplicates++;
                continue;
            }
            if (RejectionReason(run, horizon, latest) is { } reason)
            {
                rejected++;
                Rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
                LogRejected(logger, run.RunId, run.Connector, run.StartedAt, reason);
                continue;
            }
            rows.Add(RunRow.From(run, traceId));
        }

        var stored = 0;
        if (rows.Count > 0)
        {
            await EnsurePartitionsAsync(rows.Select(r => Month(r.StartedAt)), cancellationToken);
            stored = await WriteAsync(rows, DateOnly.FromDateTime(now.UtcDateTime), cancellationToken);
            duplicates += rows.Count - stored;
        }

        Stored.Add(stored);
        Duplicates.Add(duplicates);
        LogBatch(logger, stored, duplicates, rejected);
        return new StoreResult(stored, duplicates, rejected);
    }

    public async Task EnsurePartitionsAsync(IEnumerable<DateOnly> months, CancellationToken cancellationToken)
    {
        var missing = months.Select(m => new DateOnly(m.Year, m.Month, 1)).Distinct().Where(m => !_knownMonths.ContainsKey(m)).ToArray();
        if (missing.Length == 0)
        {
            return;
        }

        // Its own short transaction: creating a partition locks the parent table, which must not last a whole batch.
        await using var command = dataSource.CreateCommand("SELECT metrics.ensure_run_partitions($1)");
        command.Parameters.Add(new NpgsqlParameter<DateOnly[]> { TypedValue = missing, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date });
        await command.ExecuteNonQueryAsync(cancellationToken);
        foreach (var month in missing)
        {
            _knownMonths[month] = true;
        }
    }

    /// <summary>Forgets which partitions exist (after retention dropped some).</summary>
    public void ForgetPartitions() => _knownMonths.Clear();

    private async Task<int> WriteAsync(List<RunRow> rows, DateOnly today, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var connectors = rows.Select(r => r.Connector).Distinct().Order(StringComparer.Ordinal).ToArray();
        var newIds = new HashSet<Guid>(rows.Count);
        await using (var claim = new NpgsqlBatch(connection, transaction))
        {
            claim.BatchCommands.Add(Command(
                """
                SELECT count(*) FROM (
                    SELECT pg_advisory_xact_lock(hashtext('metrics.connector'), k)
                    FROM (SELECT DISTINCT hashtext(c) AS k FROM unnest($1::text[]) AS c ORDER BY k) keys
                ) locked
                """,
                Column(connectors, NpgsqlDbType.Text)));
            claim.BatchCommands.Add(Command(
                """
                INSERT INTO metrics.run_ids (run_id, started_at)
                SELECT * FROM unnest($1::uuid[], $2::timestamptz[]) ORDER BY 1
                ON CONFLICT (run_id) DO NOTHING
                RETURNING run_id
                """,
                Column(rows.Select(r => r.RunId).ToArray(), NpgsqlDbType.Uuid),
                Column(rows.Select(r => r.StartedAt).ToArray(), NpgsqlDbType.TimestampTz)));

            await using var reader = await claim.ExecuteReaderAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                newIds.Add(reader.GetGuid(0));
            }
        }

        if (newIds.Count > 0)
        {
            var fresh = rows.Where(r => newIds.Contains(r.RunId)).ToList();
            await using var write = new NpgsqlBatch(connection, transaction);
            foreach (var command in WriteCommands(fresh, today))
            {
                write.BatchCommands.Add(command);
            }
            await write.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return newIds.Count;
    }

    private static IEnumerable<NpgsqlBatchCommand> WriteCommands(List<RunRow> runs, DateOnly today)
    {
        var connectors = Column(runs.Select(r => r.Connector).ToArray(), NpgsqlDbType.Text);
        var startedAt = Column(runs.Select(r => r.StartedAt).ToArray(), NpgsqlDbType.TimestampTz);
        var runIds = Column(runs.Select(r => r.RunId).ToArray(), NpgsqlDbType.Uuid);
        var statuses = Column(runs.Select(r => r.Status).ToArray(), NpgsqlDbType.Text);
        var finishedAt = Column(runs.Select(r => r.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz);
        var latencies = Column(runs.Select(r => r.LatencyMs).ToArray(), NpgsqlDbType.Double);
        var attemptCounts = Column(runs.Select(r => r.AttemptCount).ToArray(), NpgsqlDbType.Integer);
        var rateLimited = Column(runs.Select(r => r.RateLimited).ToArray(), NpgsqlDbType.Boolean);
        var errorTypes = Column(runs.Select(r => r.ErrorType).ToArray(), NpgsqlDbType.Text);
        var intervals = Column(runs.Select(r => r.ExpectedInterval).ToArray(), NpgsqlDbType.Interval);

        yield return Command(
            """
            INSERT INTO metrics.connector_state (connector)
            SELECT DISTINCT c FROM unnest($1::text[]) AS c ORDER BY 1
            ON CONFLICT (connector) DO NOTHING
            """,
            connectors);

        yield return Command(
            """
            INSERT INTO metrics.runs (run_id, connector, source, status, started_at, finished_at, latency_ms, attempts,
                                      rate_limited, error_type, error_message, trace_id, payload_bytes, payload_truncated,
                                      expected_interval)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[],
                                 $7::float8[], $8::integer[], $9::boolean[], $10::text[], $11::text[], $12::text[],
                                 $13::bigint[], $14::boolean[], $15::interval[])
            """,
            runIds, connectors, Column(runs.Select(r => r.Source).ToArray(), NpgsqlDbType.Text), statuses, startedAt,
            finishedAt, latencies, attemptCounts, rateLimited, errorTypes,
            Column(runs.Select(r => r.ErrorMessage).ToArray(), NpgsqlDbType.Text),
            Column(runs.Select(r => r.TraceId).ToArray(), NpgsqlDbType.Text),
            Column(runs.Select(r => r.PayloadBytes).ToArray(), NpgsqlDbType.Bigint),
            Column(runs.Select(r => r.PayloadTruncated).ToArray(), NpgsqlDbType.Boolean),
            intervals);

        var attempts = runs.SelectMany(r => r.Attempts).ToArray();
        if (attempts.Length > 0)
        {
            yield return Command(
                """
                INSERT INTO metrics.attempts (run_id, run_started_at, number, started_at, duration_ms, outcome, http_status,
                                              error_type, error_message, retry_after_ms, backoff_ms)
                SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::integer[], $4::timestamptz[], $5::float8[],
                                     $6::text[], $7::integer[], $8::text[], $9::text[], $10::float8[], $11::float8[])
                """,
                Column(attempts.Select(a => a.RunId).ToArray(), NpgsqlDbType.Uuid),
                Column(attempts.Select(a => a.RunStartedAt).ToArray(), NpgsqlDbType.TimestampTz),
                Column(attempts.Select(a => a.Number).ToArray(), NpgsqlDbType.Integer),
                Column(attempts.Select(a => a.StartedAt).ToArray(), NpgsqlDbType.TimestampTz),
                Column(attempts.Select(a => a.DurationMs).ToArray(), NpgsqlDbType.Double),
                Column(attempts.Select(a => a.Outcome).ToArray(), NpgsqlDbType.Text),
                Column(attempts.Select(a => a.HttpStatus).ToArray(), NpgsqlDbType.Integer),
                Column(attempts.Select(a => a.ErrorType).ToArray(), NpgsqlDbType.Text),
                Column(attempts.Select(a => a.ErrorMessage).ToArray(), NpgsqlDbType.Text),
                Column(attempts.Select(a => a.RetryAfterMs).ToArray(), NpgsqlDbType.Double),
                Column(attempts.Select(a => a.BackoffMs).ToArray(), NpgsqlDbType.Double));
        }

        const string source =
            $"unnest($1::text[], $2::timestamptz[], $3::text[], $4::float8[], $5::integer[], $6::boolean[], $7::text[]) AS r({RollupSql.SourceColumns})";
        foreach (var fold in new[] { RollupSql.FoldHourly(source), RollupSql.FoldDaily(source), RollupSql.FoldFailures(source) })
        {
            yield return Command(fold, connectors, startedAt, statuses, latencies, attemptCounts, rateLimited, errorTypes);
        }

        yield return Command(ConnectorStateSql, runIds, connectors, startedAt, finishedAt, statuses, intervals);

        // Late runs change a day that readers may have cached: move its version. Today's runs touch no shared row.
        var pastDays = runs.Select(r => DateOnly.FromDateTime(r.StartedAt.UtcDateTime)).Where(d => d < today).Distinct().Order().ToArray();
        if (pastDays.Length > 0)
        {
            yield return Command(
                """
                INSERT INTO metrics.rollup_day_versions AS v (day, version)
                SELECT day, 1 FROM unnest($1::date[]) AS day ORDER BY 1
                ON CONFLICT (day) DO UPDATE SET version = v.version + 1
                """,
                Column(pastDays, NpgsqlDbType.Date));
        }
    }

    /// <summary>
    /// Recomputes the rollups of the UTC days [<paramref name="from"/>, <paramref name="to"/>) from the stored runs with the
    /// same fold statements ingest uses: for bulk loads (runs copied in without rollups) and for repair. Days whose
    /// raw runs retention has dropped would be emptied, so only rebuild days that still have their runs.
    /// </summary>
    public async Task RebuildRollupsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var start = new DateTimeOffset(from.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var end = new DateTimeOffset(to.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        const string source =
            $"(SELECT {RollupSql.SourceColumns} FROM metrics.runs WHERE started_at >= $1 AND started_at < $2) AS r";

        await using var batch = new NpgsqlBatch(connection, transaction);
        // Waits for batches being written and holds new ones off until the rebuild commits.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("LOCK TABLE metrics.run_ids IN SHARE MODE"));
        foreach (var sql in new[]
        {
            "DELETE FROM metrics.rollup_hourly WHERE hour >= $1 AND hour < $2",
            "DELETE FROM metrics.rollup_daily WHERE day >= ($1 AT TIME ZONE 'UTC')::date AND day < ($2 AT TIME ZONE 'UTC')::date",
            "DELETE FROM metrics.failures_daily WHERE day >= ($1 AT TIME ZONE 'UTC')::date AND day < ($2 AT TIME ZONE 'UTC')::date",
            RollupSql.FoldHourly(source),
            RollupSql.FoldDaily(source),
            RollupSql.FoldFailures(source),
            """
            INSERT INTO metrics.rollup_day_versions AS v (day, version)
            SELECT day::date, 1 FROM generate_series(($1 AT TIME ZONE 'UTC')::date, ($2 AT TIME ZONE 'UTC')::date - 1, interval '1 day') AS day
            ON CONFLICT (day) DO UPDATE SET version = v.version + 1
            """,
        })
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.Add(new NpgsqlParameter { Value = start, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            command.Parameters.Add(new NpgsqlParameter { Value = end, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Recomputes every connector's state from the stored runs (after a bulk load, or for repair).</summary>
    public async Task RebuildConnectorStateAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("LOCK TABLE metrics.run_ids IN SHARE MODE"),
                new NpgsqlBatchCommand(
                    """
                    INSERT INTO metrics.connector_state AS s (
                        connector, first_run_at, last_run_id, last_run_at, last_run_status, last_run_finished_at,
                        last_success_at, last_failure_at, failure_streak, expected_interval, expected_interval_at)
                    SELECT a.connector, a.first_run_at, l.run_id, l.started_at, l.status, l.finished_at,
                           a.last_success_at, a.last_failure_at, streak.n, e.expected_interval, e.started_at
                    FROM (
                        SELECT connector,
                               min(started_at) AS first_run_at,
                               max(started_at) FILTER (WHERE status = 'succeeded') AS last_success_at,
                               max(started_at) FILTER (WHERE status = 'failed') AS last_failure_at
                        FROM metrics.runs
                        GROUP BY connector
                    ) a
                    CROSS JOIN LATERAL (
                        SELECT run_id, started_at, status, finished_at FROM metrics.runs r
                        WHERE r.connector = a.connector
                        ORDER BY started_at DESC, run_id DESC
                        LIMIT 1
                    ) l
                    LEFT JOIN LATERAL (
                        SELECT expected_interval, started_at FROM metrics.runs r
                        WHERE r.connector = a.connector AND r.expected_interval IS NOT NULL
                        ORDER BY started_at DESC, run_id DESC
                        LIMIT 1
                    ) e ON true
                    CROSS JOIN LATERAL (
                        SELECT count(*)::integer AS n FROM metrics.runs r
                        WHERE r.connector = a.connector AND r.status = 'failed'
                          AND r.started_at > coalesce(a.last_success_at, '-infinity')
                    ) streak
                    ON CONFLICT (connector) DO UPDATE SET
                        first_run_at = excluded.first_run_at,
                        last_run_id = excluded.last_run_id,
                        last_run_at = excluded.last_run_at,
                        last_run_status = excluded.last_run_status,
                        last_run_finished_at = excluded.last_run_finished_at,
                        last_success_at = excluded.last_success_at,
                        last_failure_at = excluded.last_failure_at,
                        failure_streak = excluded.failure_streak,
                        expected_interval = excluded.expected_interval,
                        expected_interval_at = excluded.expected_interval_at,
                        updated_at = now()
                    """),
            },
        };
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    // "Last run" only moves forward. The failure streak counts failed runs after the latest success: when a batch brings
    // a newer success it is recounted from the stored runs (few: they all started after that success), otherwise the
    // batch's failures after the known latest success are added. Late runs thus land right whatever their order.
    private const string ConnectorStateSql =
        """
        WITH b AS (
            SELECT r.connector,
                   min(r.started_at) AS first_run_at,
                   max(r.started_at) AS last_run_at,
                   (array_agg(r.run_id ORDER BY r.started_at DESC, r.run_id DESC))[1] AS last_run_id,
                   (array_agg(r.status ORDER BY r.started_at DESC, r.run_id DESC))[1] AS last_run_status,
                   (array_agg(r.finished_at ORDER BY r.started_at DESC, r.run_id DESC))[1] AS last_run_finished_at,
                   max(r.started_at) FILTER (WHERE r.status = 'succeeded') AS last_success_at,
                   max(r.started_at) FILTER (WHERE r.status = 'failed') AS last_failure_at,
                   array_agg(r.started_at) FILTER (WHERE r.status = 'failed') AS failure_starts,
                   (array_agg(r.expected_interval ORDER BY r.started_at DESC, r.run_id DESC)
                        FILTER (WHERE r.expected_interval IS NOT NULL))[1] AS expected_interval,
                   max(r.started_at) FILTER (WHERE r.expected_interval IS NOT NULL) AS expected_interval_at
            FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::interval[])
                 AS r(run_id, connector, started_at, finished_at, status, expected_interval)
            GROUP BY r.connector
        )
        UPDATE metrics.connector_state s SET
            first_run_at = least(s.first_run_at, b.first_run_at),
            last_run_id = CASE WHEN s.last_run_at IS NULL OR (b.last_run_at, b.last_run_id) > (s.last_run_at, s.last_run_id)
                               THEN b.last_run_id ELSE s.last_run_id END,
            last_run_status = CASE WHEN s.last_run_at IS NULL OR (b.last_run_at, b.last_run_id) > (s.last_run_at, s.last_run_id)
                                   THEN b.last_run_status ELSE s.last_run_status END,
            last_run_finished_at = CASE WHEN s.last_run_at IS NULL OR (b.last_run_at, b.last_run_id) > (s.last_run_at, s.last_run_id)
                                        THEN b.last_run_finished_at ELSE s.last_run_finished_at END,
            last_run_at = greatest(s.last_run_at, b.last_run_at),
            last_success_at = greatest(s.last_success_at, b.last_success_at),
            last_failure_at = greatest(s.last_failure_at, b.last_failure_at),
            failure_streak = CASE
                WHEN b.last_success_at > coalesce(s.last_success_at, '-infinity') THEN (
                    SELECT count(*)::integer FROM metrics.runs x
                    WHERE x.connector = s.connector AND x.status = 'failed' AND x.started_at > b.last_success_at)
                ELSE s.failure_streak + (
                    SELECT count(*)::integer FROM unnest(b.failure_starts) AS f
                    WHERE f > coalesce(s.last_success_at, '-infinity'))
                END,
            expected_interval = CASE WHEN b.expected_interval_at >= coalesce(s.expected_interval_at, '-infinity')
                                     THEN b.expected_interval ELSE s.expected_interval END,
            expected_interval_at = greatest(s.expected_interval_at, b.expected_interval_at),
            updated_at = now()
        FROM b
        WHERE s.connector = b.connector
        """;

    private static string? RejectionReason(RunCompleted run, DateTimeOffset horizon, DateTimeOffset latest)
    {
        if (string.IsNullOrWhiteSpace(run.Connector) || run.Connector.Length > MaxConnectorLength)
        {
            return "invalid-connector";
        }
        if (!Enum.IsDefined(run.Status) || !Enum.IsDefined(run.Source))
        {
            return "invalid-status-or-source";
        }
        if (run.StartedAt < horizon)
        {
            return "older-than-retention";
        }
        if (run.StartedAt > latest)
        {
            return "in-the-future";
        }
        return null;
    }

    private static DateOnly Month(DateTimeOffset instant) => new(instant.Year, instant.Month, 1);

    private static NpgsqlBatchCommand Command(string sql, params ArrayParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            // A parameter object belongs to one command: each statement gets its own over the same array.
            command.Parameters.Add(new NpgsqlParameter { Value = parameter.Values, NpgsqlDbType = NpgsqlDbType.Array | parameter.ElementType });
        }
        return command;
    }

    private static ArrayParameter Column<T>(T[] values, NpgsqlDbType elementType) => new(values, elementType);

    private sealed record ArrayParameter(System.Array Values, NpgsqlDbType ElementType);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stored {Stored} new runs ({Duplicates} duplicates ignored, {Rejected} rejected)")]
    private static partial void LogBatch(ILogger logger, int stored, int duplicates, int rejected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} of {Connector} started at {StartedAt} was rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, Guid runId, string? connector, DateTimeOffset startedAt, string reason);
}
