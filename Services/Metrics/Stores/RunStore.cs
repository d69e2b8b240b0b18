using System.Text;
using ConnectorHealth.Metrics.Responses;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics.Stores;

// Run history in the metrics schema.
public sealed class RunStore(NpgsqlDataSource dataSource)
{
    private const string SummaryColumns =
        "run_id, connector, source, status, started_at, finished_at, latency_ms, attempts, rate_limited, error_type, error_message, trace_id";

    // Newest first; keyset pagination on (started_at, run_id), never OFFSET. Only the filters given become predicates,
    // so each combination gets a plan that walks the matching index and stops at the limit.
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
        if (query.Status is not null)
        {
            where.Add($"status = {Parameter(command, query.Status, NpgsqlDbType.Text)}");
        }
        if (query.Source is not null)
        {
            where.Add($"source = {Parameter(command, query.Source, NpgsqlDbType.Text)}");
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

        var sql = new StringBuilder($"SELECT {SummaryColumns} FROM metrics.runs");
        if (where.Count > 0)
        {
            sql.Append(" WHERE ").AppendJoin(" AND ", where);
        }
        sql.Append($" ORDER BY started_at DESC, run_id DESC LIMIT {Parameter(command, query.Limit, NpgsqlDbType.Integer)}");
        command.CommandText = sql.ToString();

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
                   error_message, trace_id, payload_bytes, payload_truncated, expected_interval, received_at
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
            return null;
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
            []);

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

    private static RunSummary ReadSummary(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.GetDouble(6),
        reader.GetInt32(7),
        reader.GetBoolean(8),
        NullableString(reader, 9),
        NullableString(reader, 10),
        NullableString(reader, 11));

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static string Parameter(NpgsqlCommand command, object value, NpgsqlDbType type)
    {
        command.Parameters.Add(new NpgsqlParameter { Value = value, NpgsqlDbType = type });
        return $"${command.Parameters.Count}";
    }

    private static NpgsqlBatchCommand Command(string sql, Guid runId) =>
        new(sql) { Parameters = { new NpgsqlParameter { Value = runId, NpgsqlDbType = NpgsqlDbType.Uuid } } };
}
