using System.Text.Json;
using ConnectorHealth.Contracts;
using ConnectorHealth.Metrics.Responses;

namespace ConnectorHealth.Metrics.Ingest;

// A run's lineage as it is stored (jsonb) and served: the one mapping from the message's RunLineage, for completed and
// running runs alike. Schemas and quality assertions are left out: Drift keeps schemas, and volumes are what this
// service measures.
public static class StoredLineage
{
    public static RunLineageDetail From(RunLineage lineage) => new(
        lineage.JobNamespace,
        lineage.JobName,
        lineage.Producer,
        EnumNames.Name(lineage.LastEventType),
        lineage.Events,
        lineage.ProcessingType,
        lineage.Integration,
        lineage.JobType,
        lineage.Parent is { } parent ? new ParentRunDetail(parent.RunId, parent.JobNamespace, parent.JobName, parent.Connector) : null,
        lineage.NominalStartTime,
        lineage.NominalEndTime,
        [.. lineage.Inputs.Select(Volume)],
        [.. lineage.Outputs.Select(Volume)]);

    public static string Json(RunLineageDetail lineage) => JsonSerializer.Serialize(lineage, MetricsJsonContext.Default.RunLineageDetail);

    public static RunLineageDetail? Read(string? json) =>
        json is null ? null : JsonSerializer.Deserialize(json, MetricsJsonContext.Default.RunLineageDetail);

    // How late a run finished against the time it was meant for: finishedAt minus the nominal end, or the nominal start
    // when there is no end; negative when early; null without a nominal time.
    public static double? LatenessMs(RunLineage? lineage, DateTimeOffset finishedAt) =>
        (lineage?.NominalEndTime ?? lineage?.NominalStartTime) is { } nominal ? (finishedAt - nominal).TotalMilliseconds : null;

    private static DatasetVolume Volume(LineageDataset dataset) => new(dataset.Key, dataset.Namespace, dataset.Name, dataset.RowCount, dataset.Bytes);
}
