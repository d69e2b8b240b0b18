using ConnectorHealth.Metrics.Responses;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics.Stores;

// Dataset volumes, from metrics.datasets and metrics.dataset_writes_daily (never from the raw runs).
public sealed class DatasetStore(NpgsqlDataSource dataSource)
{
    // Datasets by key from skip on (at most limit), each with its rows of today and yesterday.
    public async Task<List<DatasetLine>> ListAsync(DateOnly today, int skip, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT d.dataset_key, d.namespace, d.name, d.last_run_id, d.last_run_finished_at, d.last_writer, d.last_rows, d.last_bytes,
                   coalesce((SELECT sum(w.rows) FROM metrics.dataset_writes_daily w WHERE w.dataset_key = d.dataset_key AND w.day = $1), 0)::bigint,
                   coalesce((SELECT sum(w.rows) FROM metrics.dataset_writes_daily w WHERE w.dataset_key = d.dataset_key AND w.day = $1 - 1), 0)::bigint
            FROM metrics.datasets d
            ORDER BY d.dataset_key
            OFFSET $2 LIMIT $3
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = today, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = skip, NpgsqlDbType = NpgsqlDbType.Integer });
        command.Parameters.Add(new NpgsqlParameter { Value = limit, NpgsqlDbType = NpgsqlDbType.Integer });
        var datasets = new List<DatasetLine>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            datasets.Add(new DatasetLine(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetGuid(3),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.GetString(5),
                reader.IsDBNull(6) ? null : reader.GetInt64(6),
                reader.IsDBNull(7) ? null : reader.GetInt64(7),
                reader.GetInt64(8),
                reader.GetInt64(9)));
        }
        return datasets;
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM metrics.datasets WHERE dataset_key = $1)");
        command.Parameters.Add(new NpgsqlParameter { Value = key, NpgsqlDbType = NpgsqlDbType.Text });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    // A dataset's writes per UTC day in [from, to], newest first.
    public async Task<List<DatasetDay>> DailyAsync(string key, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT day, sum(runs)::integer, sum(counted_runs)::integer, sum(rows)::bigint, min(rows_min), max(rows_max),
                   sum(bytes)::bigint, array_agg(connector ORDER BY connector)
            FROM metrics.dataset_writes_daily
            WHERE dataset_key = $1 AND day BETWEEN $2 AND $3
            GROUP BY day
            ORDER BY day DESC
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = key, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.Date });
        var days = new List<DatasetDay>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var counted = reader.GetInt32(2);
            var rows = reader.GetInt64(3);
            days.Add(new DatasetDay(
                reader.GetFieldValue<DateOnly>(0),
                reader.GetInt32(1),
                counted,
                rows,
                reader.IsDBNull(4) ? null : reader.GetInt64(4),
                counted > 0 ? Math.Round((double)rows / counted, 1) : null,
                reader.IsDBNull(5) ? null : reader.GetInt64(5),
                reader.GetInt64(6),
                reader.GetFieldValue<string[]>(7)));
        }
        return days;
    }

    // The rows a job wrote per UTC day in [from, to] over all its output datasets, newest first.
    public async Task<List<JobRowsDay>> JobDailyAsync(string connector, DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT day, sum(rows)::bigint, sum(bytes)::bigint, count(*)::integer
            FROM metrics.dataset_writes_daily
            WHERE connector = $1 AND day BETWEEN $2 AND $3
            GROUP BY day
            ORDER BY day DESC
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = connector, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = from, NpgsqlDbType = NpgsqlDbType.Date });
        command.Parameters.Add(new NpgsqlParameter { Value = to, NpgsqlDbType = NpgsqlDbType.Date });
        var days = new List<JobRowsDay>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            days.Add(new JobRowsDay(reader.GetFieldValue<DateOnly>(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt32(3)));
        }
        return days;
    }
}
