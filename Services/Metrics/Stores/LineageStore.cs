using ConnectorHealth.Metrics.Responses;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics.Stores;

// Edges of the lineage graph (metrics.lineage_edges).
public sealed class LineageStore(NpgsqlDataSource dataSource)
{
    public sealed record Edge(string Job, string Direction, string Dataset, string Namespace, string Name, DateTimeOffset LastSeenAt, Guid LastRunId);

    // The edges of the given jobs (their reads and writes).
    public Task<List<Edge>> OfJobsAsync(IReadOnlyCollection<string> jobs, CancellationToken cancellationToken) =>
        ReadAsync("job = ANY($1)", jobs, cancellationToken);

    // The edges of the given datasets (who reads and writes them).
    public Task<List<Edge>> OfDatasetsAsync(IReadOnlyCollection<string> datasets, CancellationToken cancellationToken) =>
        ReadAsync("dataset_key = ANY($1)", datasets, cancellationToken);

    private async Task<List<Edge>> ReadAsync(string condition, IReadOnlyCollection<string> keys, CancellationToken cancellationToken)
    {
        var edges = new List<Edge>();
        if (keys.Count == 0)
        {
            return edges;
        }
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT job, direction, dataset_key, namespace, name, last_seen_at, last_run_id FROM metrics.lineage_edges
            WHERE {condition}
            ORDER BY job, direction, dataset_key
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = keys.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            edges.Add(new Edge(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<DateTimeOffset>(5), reader.GetGuid(6)));
        }
        return edges;
    }
}
