using System.Diagnostics.Metrics;
using ConnectorHealth.Contracts;
using ConnectorHealth.Metrics.Rollups;
using ConnectorHealth.ServiceDefaults;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics.Ingest;

// Stores batches of runs: each RunId once, with its attempts, folded into the rollups and the connector state in the
// same transaction, so the rollups always equal a recomputation from the raw runs.
// Replicas write in parallel. Each batch first takes a transaction-scoped advisory lock per connector (in key order,
// so batches never deadlock), which serialises writers of the same connector: the ledger insert, rollup upserts and
// the failure-streak recount then see every committed run of that connector.
public sealed partial class RunWriter(
    NpgsqlDataSource dataSource, RunPartitions partitions, IOptions<MetricsOptions> options, TimeProvider time, ILogger<RunWriter> logger)
{
    private static readonly Counter<long> Stored = Telemetry.Meter.CreateCounter<long>(
        "connectorhealth.metrics.runs.stored", description: "Runs stored for the first time");
    private static readonly Counter<long> Duplicates = Telemetry.Meter.CreateCounter<long>(
        "connectorhealth.metrics.runs.duplicates", description: "Runs received again and ignored");
    private static readonly Counter<long> Rejected = Telemetry.Meter.CreateCounter<long>(
        "connectorhealth.metrics.runs.rejected", description: "Runs that could not be stored (tag: reason)");

    // The lock every writer of a connector's runs takes first (the runs of $1, a text[]), in key order so that batches
    // never deadlock: finished runs and runs in progress of one connector are written one batch at a time.
    internal const string LockConnectors =
        """
        SELECT count(*) FROM (
            SELECT pg_advisory_xact_lock(hashtext('metrics.connector'), k)
            FROM (SELECT DISTINCT hashtext(c) AS k FROM unnest($1::text[]) AS c ORDER BY k) keys
        ) locked
        """;

    public async Task<StoreResult> StoreAsync(IReadOnlyList<IncomingRun> incoming, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var horizon = RunAdmission.RetentionHorizon(now, options.Value.RawRunRetention);
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
            if (RunAdmission.RejectionReason(run, horizon, latest) is { } reason)
            {
                rejected++;
                Rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
                LogRejected(logger, run.RunId, run.Connector, run.StartedAt, reason);
                continue;
            }
            // A run that breaks the run definition throws here, before any write: set aside, never stored altered.
            rows.Add(RunRow.From(InvalidRunException.ThrowIfInvalid(run), traceId));
        }

        var stored = 0;
        if (rows.Count > 0)
        {
            await partitions.EnsureAsync(rows.Select(r => RunPartitions.MonthOf(r.StartedAt)), cancellationToken);
            stored = await WriteAsync(rows, DateOnly.FromDateTime(now.UtcDateTime), cancellationToken);
            duplicates += rows.Count - stored;
        }

        Stored.Add(stored);
        Duplicates.Add(duplicates);
        LogBatch(logger, stored, duplicates, rejected);
        return new StoreResult(stored, duplicates, rejected);
    }

    private async Task<int> WriteAsync(List<RunRow> rows, DateOnly today, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var connectors = rows.Select(r => r.Connector).Distinct().Order(StringComparer.Ordinal).ToArray();
        var newIds = new HashSet<Guid>(rows.Count);
        await using (var claim = new NpgsqlBatch(connection, transaction))
        {
            claim.BatchCommands.Add(Command(LockConnectors, Column(connectors, NpgsqlDbType.Text)));
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
        var lateness = Column(runs.Select(r => r.LatenessMs).ToArray(), NpgsqlDbType.Double);

        yield return Command(
            """
            INSERT INTO metrics.runs (run_id, connector, source, status, started_at, finished_at, latency_ms, attempts,
                                      rate_limited, error_type, error_message, trace_id, payload_bytes, payload_truncated,
                                      expected_interval, lineage, parent_run_id, lateness_ms)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::timestamptz[],
                                 $7::float8[], $8::integer[], $9::boolean[], $10::text[], $11::text[], $12::text[],
                                 $13::bigint[], $14::boolean[], $15::interval[], $16::jsonb[], $17::uuid[], $18::float8[])
            """,
            runIds, connectors, Column(runs.Select(r => r.Source).ToArray(), NpgsqlDbType.Text), statuses, startedAt,
            finishedAt, latencies, attemptCounts, rateLimited, errorTypes,
            Column(runs.Select(r => r.ErrorMessage).ToArray(), NpgsqlDbType.Text),
            Column(runs.Select(r => r.TraceId).ToArray(), NpgsqlDbType.Text),
            Column(runs.Select(r => r.PayloadBytes).ToArray(), NpgsqlDbType.Bigint),
            Column(runs.Select(r => r.PayloadTruncated).ToArray(), NpgsqlDbType.Boolean),
            intervals,
            Column(runs.Select(r => r.Lineage).ToArray(), NpgsqlDbType.Jsonb),
            Column(runs.Select(r => r.ParentRunId).ToArray(), NpgsqlDbType.Uuid),
            lateness);

        // A finished run is no longer running (its progress was stored under the same connector lock, or is ignored
        // from now on: the ledger holds it).
        yield return Command("DELETE FROM metrics.runs_in_progress WHERE run_id = ANY($1)", runIds);

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

        const string rollupSource =
            $"unnest($1::text[], $2::timestamptz[], $3::timestamptz[], $4::text[], $5::float8[], $6::integer[], $7::boolean[], $8::text[], $9::float8[]) AS r({RollupSql.SourceColumns})";
        foreach (var fold in RollupSql.Folds(rollupSource))
        {
            yield return Command(fold, connectors, startedAt, finishedAt, statuses, latencies, attemptCounts, rateLimited, errorTypes, lateness);
        }

        var writes = runs.SelectMany(r => (r.Outputs ?? []).Select(d => (Run: r, Dataset: d))).ToArray();
        if (writes.Length > 0)
        {
            const string datasetSource =
                $"unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[]) AS d({DatasetSql.SourceColumns})";
            ArrayParameter[] columns =
            [
                Column(writes.Select(w => w.Run.RunId).ToArray(), NpgsqlDbType.Uuid),
                Column(writes.Select(w => w.Run.Connector).ToArray(), NpgsqlDbType.Text),
                Column(writes.Select(w => w.Run.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
                Column(writes.Select(w => w.Dataset.Key).ToArray(), NpgsqlDbType.Text),
                Column(writes.Select(w => w.Dataset.Namespace).ToArray(), NpgsqlDbType.Text),
                Column(writes.Select(w => w.Dataset.Name).ToArray(), NpgsqlDbType.Text),
                Column(writes.Select(w => w.Dataset.RowCount).ToArray(), NpgsqlDbType.Bigint),
                Column(writes.Select(w => w.Dataset.Bytes).ToArray(), NpgsqlDbType.Bigint),
            ];
            yield return Command(DatasetSql.FoldWrites(datasetSource), columns);
            yield return Command(DatasetSql.FoldLatest(datasetSource), columns);
        }

        // Owners and tags: only runs that state them move them, and only forward in time, each by the time of the latest
        // run that stated it (a run may state one and not the other; an older run arriving later takes nothing back).
        var labels = runs.GroupBy(r => r.Connector, StringComparer.Ordinal)
            .Select(g => (Connector: g.Key,
                Owner: g.Where(r => r.Owner is not null).MaxBy(r => r.FinishedAt),
                Tags: g.Where(r => r.Tags is not null).MaxBy(r => r.FinishedAt)))
            .Where(l => l.Owner is not null || l.Tags is not null)
            .OrderBy(l => l.Connector, StringComparer.Ordinal)
            .ToArray();
        if (labels.Length > 0)
        {
            yield return Command(
                """
                INSERT INTO metrics.connector_labels AS l (connector, owner, owner_stated_at, tags, tags_stated_at, stated_at)
                SELECT c, o, oa, string_to_array(t, E'\n'), ta, greatest(oa, ta)
                FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[], $5::timestamptz[]) AS u(c, o, oa, t, ta)
                ON CONFLICT (connector) DO UPDATE SET
                    owner = CASE WHEN excluded.owner_stated_at >= coalesce(l.owner_stated_at, '-infinity') THEN excluded.owner ELSE l.owner END,
                    owner_stated_at = greatest(l.owner_stated_at, excluded.owner_stated_at),
                    tags = CASE WHEN excluded.tags_stated_at >= coalesce(l.tags_stated_at, '-infinity') THEN excluded.tags ELSE l.tags END,
                    tags_stated_at = greatest(l.tags_stated_at, excluded.tags_stated_at),
                    stated_at = greatest(l.stated_at, excluded.stated_at)
                """,
                Column(labels.Select(l => l.Connector).ToArray(), NpgsqlDbType.Text),
                Column(labels.Select(l => l.Owner?.Owner).ToArray(), NpgsqlDbType.Text),
                Column(labels.Select(l => l.Owner?.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz),
                Column(labels.Select(l => l.Tags?.Tags is { } tags ? string.Join('\n', tags) : null).ToArray(), NpgsqlDbType.Text),
                Column(labels.Select(l => l.Tags?.FinishedAt).ToArray(), NpgsqlDbType.TimestampTz));
        }

        if (LineageEdges.FoldCommand(runs.Where(r => r.LineageDetail is not null)
                .Select(r => (r.RunId, r.Connector, r.LineageDetail!, r.FinishedAt))) is { } edges)
        {
            yield return edges;
        }

        const string stateSource =
            $"unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::timestamptz[], $5::text[], $6::interval[]) AS r({ConnectorStateSql.SourceColumns})";
        yield return Command(ConnectorStateSql.Fold(stateSource), runIds, connectors, startedAt, finishedAt, statuses, intervals);

        // Late runs change a day that readers may have cached: move its version. Today's runs touch no shared row.
        // The day is the one the folds count the run on: the UTC day it finished.
        var pastDays = runs.Select(r => RollupSql.DayOf(r.FinishedAt)).Where(d => d < today).Distinct().Order().ToArray();
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
