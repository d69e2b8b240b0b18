namespace ConnectorHealth.Metrics.Responses;

// The part of the lineage graph around a job (a connector) or a dataset: the jobs and datasets upstream (what it reads
// from, and who writes that) and downstream (what it writes, and who reads that), up to Hops job steps away, and the
// edges between them. Each job has its current state on the status board (null when it has no finished run yet).
public sealed record LineageGraph(
    string Center,
    string CenterKind,
    int Hops,
    IReadOnlyList<LineageJobNode> Jobs,
    IReadOnlyList<LineageDatasetNode> Datasets,
    IReadOnlyList<LineageEdgeDetail> Edges);

// Side: center, upstream or downstream; Distance: job steps from the center (0 for the center).
public sealed record LineageJobNode(
    string Connector,
    string Side,
    int Distance,
    string? State,
    IReadOnlyList<string> Reasons,
    string? LastRunStatus,
    DateTimeOffset? LastRunAt);

public sealed record LineageDatasetNode(string Key, string Namespace, string Name, string Side, int Distance);

// Direction: reads (the dataset is an input of the job) or writes (an output); when a run last showed it, and which.
public sealed record LineageEdgeDetail(string Job, string Direction, string Dataset, DateTimeOffset LastSeenAt, Guid LastRunId);
