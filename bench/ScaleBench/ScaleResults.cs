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

// After the kill: how long the killed replica's lock sessions kept its connector locks and stayed open in PostgreSQL, and
// what those sessions were doing a second after the kill (null: still so when the bench stopped looking).
internal sealed record VictimAfterKill(double? LocksReleasedAfterSeconds, double? SessionsGoneAfterSeconds, IReadOnlyList<string> SessionsAfterOneSecond);

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
    VictimAfterKill? AfterKill,
    ConnectionCount? PeakConnections,
    IReadOnlyDictionary<string, int> MostConnections,
    int RetriedReads,
    IReadOnlyList<KindRuns> Kinds,
    Footprint Footprint,
    IReadOnlyDictionary<string, long> Caches,
    IReadOnlyList<TableSize> Tables,
    IReadOnlyList<EndpointTiming> Endpoints,
    IReadOnlyList<LoggedProblem> Logged,
    IReadOnlyDictionary<string, ServiceState> StateAtEnd,
    TimeSpan Elapsed);
