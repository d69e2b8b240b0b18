using ConnectorHealth.Contracts;
using ConnectorHealth.Metrics.Responses;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics.Ingest;

// Stores batches of runs in progress in metrics.runs_in_progress: each run's newest state (by UpdatedAt, then the
// number of events merged), and none of a run whose RunCompleted is stored. The connector lock RunWriter takes
// serialises this with the storing of the same connector's finished runs: either the progress is stored first and
// the finished run removes it, or the finished run is in the ledger first and the progress is ignored.
public sealed partial class RunningRunWriter(
    NpgsqlDataSource dataSource, IOptions<MetricsOptions> options, TimeProvider time, ILogger<RunningRunWriter> logger)
{
    public async Task<int> StoreAsync(IReadOnlyList<IncomingProgress> incoming, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var horizon = RunAdmission.RetentionHorizon(now, options.Value.RawRunRetention);
        var latest = now + options.Value.FutureTolerance;

        var newest = new Dictionary<Guid, (RunInProgress Run, string? TraceId)>();
        foreach (var (message, traceId) in incoming)
        {
            // A run that breaks the run definition throws here, before any write: set aside, never stored altered.
            var run = RunDefinition.Canonical(message);
            if (RunDefinition.Problems(run) is { Count: > 0 } problems)
            {
                throw new InvalidRunException(message.RunId, problems);
            }
            if (RunAdmission.RejectionReason(run.StartedAt, horizon, latest) is { } reason)
            {
                LogRejected(logger, run.RunId, run.Connector, run.StartedAt, reason);
                continue;
            }
            if (!newest.TryGetValue(run.RunId, out var known)
                || (run.UpdatedAt, run.Lineage.Events).CompareTo((known.Run.UpdatedAt, known.Run.Lineage.Events)) > 0)
            {
                newest[run.RunId] = (run, traceId);
            }
        }
        if (newest.Count == 0)
        {
            return 0;
        }

        var runs = newest.Values.OrderBy(r => r.Run.RunId).ToArray();
        var lineages = runs.Select(r => StoredLineage.From(r.Run.Lineage)).ToArray();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(Command(RunWriter.LockConnectors,
            Parameter(runs.Select(r => r.Run.Connector).Distinct().Order(StringComparer.Ordinal).ToArray(), NpgsqlDbType.Text)));
        batch.BatchCommands.Add(Command(
            """
            INSERT INTO metrics.runs_in_progress AS t (run_id, connector, source, started_at, updated_at, events, lineage, parent_run_id, trace_id)
            SELECT u.* FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::integer[],
                                   $7::jsonb[], $8::uuid[], $9::text[])
                        AS u(run_id, connector, source, started_at, updated_at, events, lineage, parent_run_id, trace_id)
            WHERE NOT EXISTS (SELECT 1 FROM metrics.run_ids i WHERE i.run_id = u.run_id)
            ORDER BY 1
            ON CONFLICT (run_id) DO UPDATE SET
                connector = excluded.connector,
                source = excluded.source,
                started_at = excluded.started_at,
                updated_at = excluded.updated_at,
                events = excluded.events,
                lineage = excluded.lineage,
                parent_run_id = excluded.parent_run_id,
                trace_id = excluded.trace_id
            WHERE (excluded.updated_at, excluded.events) > (t.updated_at, t.events)
            """,
            Parameter(runs.Select(r => r.Run.RunId).ToArray(), NpgsqlDbType.Uuid),
            Parameter(runs.Select(r => r.Run.Connector).ToArray(), NpgsqlDbType.Text),
            Parameter(runs.Select(r => EnumNames.Name(r.Run.Source)).ToArray(), NpgsqlDbType.Text),
            Parameter(runs.Select(r => r.Run.StartedAt).ToArray(), NpgsqlDbType.TimestampTz),
            Parameter(runs.Select(r => r.Run.UpdatedAt).ToArray(), NpgsqlDbType.TimestampTz),
            Parameter(runs.Select(r => r.Run.Lineage.Events).ToArray(), NpgsqlDbType.Integer),
            Parameter(lineages.Select(StoredLineage.Json).ToArray(), NpgsqlDbType.Jsonb),
            Parameter(lineages.Select(l => l.Parent?.RunId).ToArray(), NpgsqlDbType.Uuid),
            Parameter(runs.Select(r => r.TraceId).ToArray(), NpgsqlDbType.Text)));
        // Streaming jobs only ever run: their reads and writes are known from their progress alone. Every progress is
        // folded, whether or not its run has finished, so the graph does not depend on the order messages arrive in.
        if (LineageEdges.FoldCommand(runs.Select((r, i) => (r.Run.RunId, r.Run.Connector, lineages[i], r.Run.UpdatedAt))) is { } edges)
        {
            batch.BatchCommands.Add(edges);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
        var stored = batch.BatchCommands[1].RecordsAffected;
        await transaction.CommitAsync(cancellationToken);
        LogBatch(logger, stored, incoming.Count);
        return stored;
    }

    private static NpgsqlBatchCommand Command(string sql, params NpgsqlParameter[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.AddRange(parameters);
        return command;
    }

    private static NpgsqlParameter Parameter(System.Array values, NpgsqlDbType elementType) =>
        new() { Value = values, NpgsqlDbType = NpgsqlDbType.Array | elementType };

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored {Stored} runs in progress of {Received} received")]
    private static partial void LogBatch(ILogger logger, int stored, int received);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Progress of run {RunId} of {Connector} started at {StartedAt} was rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, Guid runId, string connector, DateTimeOffset startedAt, string reason);
}
