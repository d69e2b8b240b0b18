using System.Text;
using ConnectorHealth.Metrics.Ingest;
using ConnectorHealth.Metrics.Responses;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics.Stores;

// Run history in the metrics schema.
public sealed class RunStore(NpgsqlDataSource dataSource)
{
    public const string Running = "running";

    private const string SummaryColumns =
        "run_id, connector, source, status, started_at, finished_at, latency_ms, attempts, rate_limited, error_type, error_message, trace_id, NULL::timestamptz AS updated_at, lineage";

    // A run in progress in the same columns: its latency so far runs to when it was last known to be alive.
    private const string RunningColumns =
        "run_id, connector, source, 'running', started_at, NULL::timestamptz, (extract(epoch FROM updated_at - started_at) * 1000)::float8, 0, false, NULL::text, NULL::text, trace_id, updated_at, lineage";

    private const string NewestFirst = "ORDER BY started_at DESC, run_id DESC";

    // Newest first; keyset pagination on (started_at, run_id), never OFFSET. Only the filters given become predicates,
    // so each combination gets a plan that walks the matching index and stops at the limit. Without a status filter the
    // runs in progress (a small table) are merged in: each side stops at the limit on its own index.
    public async Task<IReadOnlyList<RunSummary>> ListAsync(RunQuery query, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand();
        var where = new List<string>();
        if (query.Connector is not null)
        {
            where.Add($"connector = {Parameter(command, query.Connector, NpgsqlDbType.Text)}");
        }
        // The connectors of an owner or a tag, as their latest runs stated them.
        if (query.Owner is not null)
        {
            where.Add($"connector IN (SELECT connector FROM metrics.connector_labels WHERE owner = {Parameter(command, query.Owner, NpgsqlDbType.Text)})");
        }
        if (query.Tag is not null)
        {
            where.Add($"connector IN (SELECT connector FROM metrics.connector_labels WHERE tags @> {Parameter(command, new[] { query.Tag }, NpgsqlDbType.Array | NpgsqlDbType.Text)})");
        }
        if (query.Source is not null)
        {
            where.Add($"source = {Parameter(command, query.Source, NpgsqlDbType.Text)}");
        }
        if (query.Parent is { } parent)
        {
            where.Add($"parent_run_id = {Parameter(command, parent, NpgsqlDbType.Uuid)}");
        }
        if (query.OpenLineageOnly)
        {
            where.Add("lineage IS NOT NULL");
        }
        if (query.From is { } from)
        {
            where.Add($"started_at >= {Parameter(command, from.ToUniversalTime(), NpgsqlDbType.TimestampTz)}");
        }
        if (query.To is { } to)
        {
            where.Add($"started_at < {Parameter(command, to.ToUniversalTime(), NpgsqlDbType.TimestampTz)}");
        }
        if (query.After is { } after)
        {
            var startedAt = Parameter(command, after.At.ToUniversalTime(), NpgsqlDbType.TimestampTz);
            var runId = Parameter(command, after.Id, NpgsqlDbType.Uuid);
            // The plain bound lets PostgreSQL skip the months after the cursor.
            where.Add($"started_at <= {startedAt} AND (started_at, run_id) < ({startedAt}, {runId})");
        }
        var limit = Parameter(command, query.Limit, NpgsqlDbType.Integer);

        string Select(string columns, string table, string? status)
        {
            var sql = new StringBuilder($"SELECT {columns} FROM {table}");
            var conditions = status is null ? where : [.. where, $"status = {status}"];
            if (conditions.Count > 0)
            {
                sql.Append(" WHERE ").AppendJoin(" AND ", conditions);
            }
            return sql.Append($" {NewestFirst} LIMIT {limit}").ToString();
        }

        command.CommandText = query.Status switch
        {
            Running => Select(RunningColumns, "metrics.runs_in_progress", null),
            { } status => Select(SummaryColumns, "metrics.runs", Parameter(command, status, NpgsqlDbType.Text)),
            null => $"""
                SELECT * FROM (({Select(SummaryColumns, "metrics.runs", null)}) UNION ALL ({Select(RunningColumns, "metrics.runs_in_progress", null)})) AS u
                {NewestFirst} LIMIT {limit}
                """,
        };

        var runs = new List<RunSummary>(query.Limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(ReadSummary(reader));
        }
        return runs;
    }

    public async Task<RunDetail?> FindAsync(Guid runId, CancellationToken cancellationToken)
    {
        // The ledger gives the start time, so only the run's own month is searched.
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command(
            """
            SELECT run_id, connector, source, status, started_at, finished_at, latency_ms, rate_limited, error_type,
                   error_message, trace_id, payload_bytes, payload_truncated, expected_interval, received_at, lateness_ms, lineage
            FROM metrics.runs
            WHERE run_id = $1 AND started_at = (SELECT started_at FROM metrics.run_ids WHERE run_id = $1)
            """, runId));
        batch.BatchCommands.Add(Command(
            """
            SELECT number, started_at, duration_ms, outcome, http_status, error_type, error_message, retry_after_ms, backoff_ms
            FROM metrics.attempts
            WHERE run_id = $1 AND run_started_at = (SELECT started_at FROM metrics.run_ids WHERE run_id = $1)
            ORDER BY number, started_at
            """, runId));

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            await reader.DisposeAsync();
            return await FindRunningAsync(runId, cancellationToken);
        }
        var run = new RunDetail(
            reader.GetGuid(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.GetString(3),
            reader.GetFieldValue<DateTimeOffset>(4),
            reader.GetFieldValue<DateTimeOffset>(5),
            reader.GetDouble(6),
            reader.GetBoolean(7),
            NullableString(reader, 8),
            NullableString(reader, 9),
            NullableString(reader, 10),
            reader.GetInt64(11),
            reader.GetBoolean(12),
            reader.IsDBNull(13) ? null : reader.GetFieldValue<TimeSpan>(13),
            reader.GetFieldValue<DateTimeOffset>(14),
            [],
            LatenessMs: reader.IsDBNull(15) ? null : reader.GetDouble(15),
            Lineage: StoredLineage.Read(NullableString(reader, 16)));

        await reader.NextResultAsync(cancellationToken);
        var attempts = new List<AttemptDetail>();
        while (await reader.ReadAsync(cancellationToken))
        {
            attempts.Add(new AttemptDetail(
                reader.GetInt32(0),
                reader.GetFieldValue<DateTimeOffset>(1),
                reader.GetDouble(2),
                reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4),
                NullableString(reader, 5),
                NullableString(reader, 6),
                reader.IsDBNull(7) ? null : reader.GetDouble(7),
                reader.IsDBNull(8) ? null : reader.GetDouble(8)));
        }
        return run with { Attempts = attempts };
    }

    // A run in progress; none once its RunCompleted is stored (the ledger has it).
    private async Task<RunDetail?> FindRunningAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT {RunningColumns}, received_at FROM metrics.runs_in_progress
            WHERE run_id = $1 AND NOT EXISTS (SELECT 1 FROM metrics.run_ids WHERE run_id = $1)
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = runId, NpgsqlDbType = NpgsqlDbType.Uuid });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var run = ReadSummary(reader);
        return new RunDetail(
            run.RunId, run.Connector, run.Source, run.Status, run.StartedAt, null, run.LatencyMs, false, null, null, run.TraceId,
            0, false, null, reader.GetFieldValue<DateTimeOffset>(14), [], run.UpdatedAt, null, run.Lineage);
    }

    private static RunSummary ReadSummary(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        NullableInstant(reader, 5),
        reader.GetDouble(6),
        reader.GetInt32(7),
        reader.GetBoolean(8),
        NullableString(reader, 9),
        NullableString(reader, 10),
        NullableString(reader, 11),
        NullableInstant(reader, 12),
        StoredLineage.Read(NullableString(reader, 13)));

    private static DateTimeOffset? NullableInstant(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static string Parameter(NpgsqlCommand command, object value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
        return $"${command.Parameters.Count}";
    }

    private static NpgsqlBatchCommand Command(string sql, Guid runId) =>
        new(sql) { Parameters = { new NpgsqlParameter { Value = runId, NpgsqlDbType = NpgsqlDbType.Uuid } } };
}
