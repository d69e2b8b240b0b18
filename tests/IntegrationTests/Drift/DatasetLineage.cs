using ConnectorHealth.Contracts;

namespace ConnectorHealth.IntegrationTests.Drift;

/// <summary>OpenLineage runs as the runner publishes them: a dbt-like job writing datasets with schema facets.</summary>
internal static class DatasetLineage
{
    public const string JobNamespace = "dbt";

    public static LineageDataset Dataset(string name, IReadOnlyList<DatasetField>? schema, string space = "postgres://warehouse:5432") => new()
    {
        Key = LineageNames.Dataset(space, name),
        Namespace = space,
        Name = name,
        Schema = schema,
    };

    public static RunLineage Lineage(string job, LineageEventType type, IReadOnlyList<LineageDataset> outputs, IReadOnlyList<LineageDataset>? inputs = null) => new()
    {
        JobNamespace = JobNamespace,
        JobName = job,
        Producer = "https://github.com/OpenLineage/OpenLineage/tree/1.30.0/integration/dbt",
        LastEventType = type,
        Events = 1,
        Integration = "DBT",
        JobType = "MODEL",
        ProcessingType = "batch",
        Outputs = outputs,
        Inputs = inputs ?? [],
    };

    public static RunCompleted Completed(string job, DateTimeOffset finishedAt, IReadOnlyList<LineageDataset> outputs, Guid? runId = null,
        IReadOnlyList<LineageDataset>? inputs = null) => new()
    {
        RunId = runId ?? Guid.CreateVersion7(),
        Connector = LineageNames.Connector(JobNamespace, job),
        Source = RunSource.Reported,
        StartedAt = finishedAt.AddMinutes(-1),
        FinishedAt = finishedAt,
        Status = RunStatus.Succeeded,
        LatencyMs = 60_000,
        Lineage = Lineage(job, LineageEventType.Complete, outputs, inputs),
    };

    public static RunInProgress InProgress(string job, Guid runId, DateTimeOffset updatedAt, IReadOnlyList<LineageDataset> outputs) => new()
    {
        RunId = runId,
        Connector = LineageNames.Connector(JobNamespace, job),
        Source = RunSource.Reported,
        StartedAt = updatedAt.AddSeconds(-5),
        UpdatedAt = updatedAt,
        Lineage = Lineage(job, LineageEventType.Start, outputs),
    };

    public static DatasetField[] Orders { get; } =
    [
        new("order_id", "BIGINT"), new("customer_id", "INTEGER"), new("status", "VARCHAR(20)"), new("amount", "INT"),
        new("ordered_at", "TIMESTAMP"),
    ];
}
