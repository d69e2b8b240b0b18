using ConnectorHealth.Operations.SystemStatus;

namespace ConnectorHealth.ScaleBench;

// Each process tree's memory and CPU over the steady state (the killed replica's CPU counted up to its kill), in % of one
// core over the window; "other": what no tree accounts for (other people's processes on a shared machine).
internal sealed record Footprint(
    double WindowSeconds,
    IReadOnlyDictionary<string, string> ProcessTrees,
    IReadOnlyDictionary<string, long> RssEndKb,
    IReadOnlyDictionary<string, long> RssPeakKb,
    IReadOnlyDictionary<string, double> CpuSeconds,
    IReadOnlyDictionary<string, double> CpuPercent,
    double MachineCpuPercent,
    double OtherCpuPercent,
    IReadOnlyDictionary<string, long> RunnerReplicaRssBeforeKillKb,
    IReadOnlyDictionary<string, long> RunnerReplicaRssEndKb);

// Per connector kind: connectors, their scheduled runs in the window, and how many failed.
internal sealed record KindRuns(string Kind, int Connectors, long Runs, long Failed);

// Everything one scale bench run measured; written as JSON beside the report.
internal sealed record ScaleResults(
    ScaleBenchOptions Options,
    Machine Machine,
    DateTimeOffset FinishedAt,
    IReadOnlyDictionary<string, double> HealthyAfterSeconds,
    IReadOnlyList<int> RunnerProcessIds,
    CreationResult Creation,
    DateTimeOffset SteadyFrom,
    DateTimeOffset SteadyTo,
    double DrainSeconds,
    ScheduleResult Schedule,
    TakeoverResult? Takeover,
    IReadOnlyList<KindRuns> Kinds,
    Footprint Footprint,
    IReadOnlyList<TableSize> Tables,
    IReadOnlyList<EndpointTiming> Endpoints,
    IReadOnlyDictionary<string, ServiceState> StateAtEnd,
    TimeSpan Elapsed);
