using ConnectorHealth.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics;

public sealed record RunSummary(
    Guid RunId,
    string Connector,
    string Source,
    string Status,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    double LatencyMs,
    int Attempts,
    bool RateLimited,
    string? ErrorType,
    string? ErrorMessage,
    string? TraceId);

public sealed record RunQuery(string? Connector, string? Status, int Limit, RunCursor? After);

/// <summary>Run history in the <c>metrics</c> schema.</summary>
public sealed class RunStore(NpgsqlDataSource dataSource)
{
    /// <returns><c>false</c> when the run was already stored.</returns>
    public async Task<bool> AddAsync(RunCompleted run, string? traceId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO metrics.runs (run_id, connector, source, status, started_at, finished_at, latency_ms,
                                      attempts, rate_limited, error_type, error_message, trace_id)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            ON CONFLICT (run_id) DO NOTHING
            """);
        command.Parameters.AddWithValue(run.RunId);
        command.Parameters.AddWithValue(run.Connector);
        command.Parameters.AddWithValue(Wire.Name(run.Source));
        command.Parameters.AddWithValue(Wire.Name(run.Status));
        command.Parameters.AddWithValue(run.StartedAt.ToUniversalTime());
        command.Parameters.AddWithValue(run.FinishedAt.ToUniversalTime());
        command.Parameters.AddWithValue(run.LatencyMs);
        command.Parameters.AddWithValue(Math.Max(run.Attempts.Count, 1));
        command.Parameters.AddWithValue(run.RateLimited);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)run.ErrorType ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)run.ErrorMessage ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)traceId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>Newest first; keyset pagination on (started_at, run_id), never OFFSET.</summary>
    public async Task<IReadOnlyList<RunSummary>> ListAsync(RunQuery query, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT run_id, connector, source, status, started_at, finished_at, latency_ms, attempts,
                   rate_limited, error_type, error_message, trace_id
            FROM metrics.runs
            WHERE ($1::text IS NULL OR connector = $1)
              AND ($2::text IS NULL OR status = $2)
              AND ($3::timestamptz IS NULL OR (started_at, run_id) < ($3, $4::uuid))
            ORDER BY started_at DESC, run_id DESC
            LIMIT $5
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Connector ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.Status ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.After?.StartedAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)query.After?.RunId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
        command.Parameters.AddWithValue(query.Limit);

        var runs = new List<RunSummary>(query.Limit);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            runs.Add(Read(reader));
        }
        return runs;
    }

    public async Task<RunSummary?> FindAsync(Guid runId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT run_id, connector, source, status, started_at, finished_at, latency_ms, attempts,
                   rate_limited, error_type, error_message, trace_id
            FROM metrics.runs
            WHERE run_id = $1
            """);
        command.Parameters.AddWithValue(runId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
    }

    private static RunSummary Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetFieldValue<DateTimeOffset>(4),
        reader.GetFieldValue<DateTimeOffset>(5),
        reader.GetDouble(6),
        reader.GetInt32(7),
        reader.GetBoolean(8),
        reader.IsDBNull(9) ? null : reader.GetString(9),
        reader.IsDBNull(10) ? null : reader.GetString(10),
        reader.IsDBNull(11) ? null : reader.GetString(11));
}
