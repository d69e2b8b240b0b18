using ConnectorHealth.Metrics.Responses;
using Npgsql;
using NpgsqlTypes;

namespace ConnectorHealth.Metrics.Ingest;

// The edges of the lineage graph a batch of runs shows: each run's job reads its inputs and writes its outputs, seen
// at the given time (when a finished run finished, when a running run was last alive).
internal static class LineageEdges
{
    public const string Reads = "reads";
    public const string Writes = "writes";

    public static NpgsqlBatchCommand? FoldCommand(IEnumerable<(Guid RunId, string Job, RunLineageDetail Lineage, DateTimeOffset SeenAt)> runs)
    {
        var edges = runs
            .SelectMany(r => r.Lineage.Inputs.Select(d => (r.RunId, r.Job, Direction: Reads, Dataset: d, r.SeenAt))
                .Concat(r.Lineage.Outputs.Select(d => (r.RunId, r.Job, Direction: Writes, Dataset: d, r.SeenAt))))
            .ToArray();
        if (edges.Length == 0)
        {
            return null;
        }
        var command = new NpgsqlBatchCommand(Rollups.LineageGraphSql.Fold(Rollups.LineageGraphSql.Unnest));
        void Add(System.Array values, NpgsqlDbType type) =>
            command.Parameters.Add(new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type });
        Add(edges.Select(e => e.RunId).ToArray(), NpgsqlDbType.Uuid);
        Add(edges.Select(e => e.Job).ToArray(), NpgsqlDbType.Text);
        Add(edges.Select(e => e.Direction).ToArray(), NpgsqlDbType.Text);
        Add(edges.Select(e => e.Dataset.Key).ToArray(), NpgsqlDbType.Text);
        Add(edges.Select(e => e.Dataset.Namespace).ToArray(), NpgsqlDbType.Text);
        Add(edges.Select(e => e.Dataset.Name).ToArray(), NpgsqlDbType.Text);
        Add(edges.Select(e => e.SeenAt).ToArray(), NpgsqlDbType.TimestampTz);
        return command;
    }
}
