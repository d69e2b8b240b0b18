// Benchmarks the whole system at scale: the AppHost in local mode with several runner replicas and one of each other
// service, thousands of connectors created through the gateway, a steady state with one runner replica killed (SIGKILL)
// at its midpoint, then the schedule's account (lateness, double runs, missed slots, the takeover), each process's
// memory and CPU, the tables' sizes and the API's and web UI's timings. It writes a report and never passes or fails.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using ConnectorHealth.Bench;
using ConnectorHealth.ScaleBench;
using ConnectorHealth.ServiceDefaults;
using Npgsql;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
if (ScaleBenchOptions.Parse(args) is not { } options)
{
    return; // Help was shown, or the command line was refused.
}
var total = Stopwatch.StartNew();
void Say(string line) => Console.WriteLine($"{DateTime.UtcNow:HH:mm:ss} {line}");

var connectors = ConnectorMix.Create(options.Connectors, options.Seed);
Say($"Starting the AppHost in local mode with {options.Replicas} runner replicas (its own PostgreSQL and RabbitMQ on free ports)…");
await using var system = await RunningSystem.StartAsync(Say, RunningSystem.WithReplicas(options.Replicas, [ResourceNames.Runner]));
await using var session = await BenchSession.AttachAsync(system);
await using var dataSource = NpgsqlDataSource.Create(await system.ConnectionStringAsync(ResourceNames.Postgres));
var database = new ScaleDatabase(dataSource);
var machine = await Machine.DescribeAsync(session.Database, session.Broker);
var runnerPids = await system.ProcessIdsOfAsync(ResourceNames.Runner);
string ReplicaName(int pid) => $"runner #{Array.IndexOf(runnerPids, pid) + 1} (pid {pid})";
var replicaWatch = new ProcessWatch(runnerPids.ToDictionary(ReplicaName, pid => new[] { pid }));

// PostgreSQL's connections, sampled from before the creation to the end of the steady state: the peak, and each
// application's most.
ConnectionCount? peakConnections = null;
var mostConnections = new Dictionary<string, int>();
using var stopCounting = new CancellationTokenSource();
var counting = Task.Run(async () =>
{
    using var timer = new PeriodicTimer(TimeSpan.FromSeconds(5));
    do
    {
        var count = await database.ConnectionsAsync(stopCounting.Token);
        lock (mostConnections)
        {
            if (peakConnections is null || count.Total > peakConnections.Total)
            {
                peakConnections = count;
            }
            foreach (var (name, n) in count.ByApplication)
            {
                mostConnections[name] = Math.Max(n, mostConnections.GetValueOrDefault(name));
            }
        }
    }
    while (await timer.WaitForNextTickAsync(stopCounting.Token));
});

Say($"Creating {connectors.Count:N0} connectors through the gateway, {options.Concurrency} at once…");
var creation = await new ConnectorCreation(system.Gateway, options.Concurrency, Say).RunAsync(connectors);
Say($"  {creation.Created:N0} created in {creation.Seconds:N1} s ({creation.PerSecond:N1}/s), {creation.TooManyRequests:N0} answered 429, "
    + $"{creation.Failures.Count:N0} failed");
foreach (var failure in creation.Failures.Take(5))
{
    Say($"    {failure}");
}

// Every created connector scheduled (its first slot taken at once) before the window opens.
var scheduled = Stopwatch.StartNew();
while ((await database.SlotsAsync()).Slots.Count < creation.Created && scheduled.Elapsed < TimeSpan.FromSeconds(60))
{
    await Task.Delay(TimeSpan.FromSeconds(1));
}

var steadyFrom = DateTimeOffset.UtcNow;
var steadyTo = steadyFrom + options.SteadyState;
Say($"Steady state: {options.SteadyState.TotalMinutes:N0} min until {steadyTo:HH:mm:ss}"
    + (options.Kill ? $", one runner replica killed at {steadyFrom + options.SteadyState / 2:HH:mm:ss}…" : "…"));
var start = session.Watch.Take();
var peak = new Dictionary<string, long>();
void Peak(ProcessSnapshot snapshot)
{
    lock (peak)
    {
        foreach (var (name, kb) in snapshot.RssKb)
        {
            peak[name] = Math.Max(kb, peak.GetValueOrDefault(name));
        }
    }
}
Peak(start);
using var stopSampling = new CancellationTokenSource();
var sampling = Task.Run(async () =>
{
    using var timer = new PeriodicTimer(ScaleBenchOptions.SampleEvery);
    try
    {
        while (await timer.WaitForNextTickAsync(stopSampling.Token))
        {
            Peak(session.Watch.Take());
        }
    }
    catch (OperationCanceledException)
    {
        // The window is over.
    }
});

SlotSnapshot? underWay = null;
DateTimeOffset killedAt = default;
var killedPid = 0;
double killedCpuSeconds = 0;
IReadOnlyDictionary<string, long> replicaRssBeforeKill = new Dictionary<string, long>();
var victim = new VictimReplica([], 0, [], 0);
Task<VictimAfterKill>? afterKillWatch = null;
if (options.Kill)
{
    await Task.Delay(options.SteadyState / 2);
    // The victim is killed while a slot of the bench's is under way there (its lock held by the victim's lock sessions),
    // waited for at most KillWait: a replica killed between runs would leave nothing to take over. Between that read and
    // the kill, only one read of the victim's CPU time: a run lasts milliseconds.
    killedPid = runnerPids[0];
    var victimName = ReplicaName(killedPid);
    replicaRssBeforeKill = replicaWatch.Take().RssKb;
    var victimPids = replicaWatch.ProcessIds()[victimName];
    var lockKeys = connectors.ToDictionary(c => c.Name, c => ConnectorLockKey.Of(c.Name));
    IReadOnlyList<string> sessions = [];
    var waited = Stopwatch.StartNew();
    var waitAtMost = TimeSpan.FromTicks(Math.Min(ScaleBenchOptions.KillWait.Ticks, (steadyTo - DateTimeOffset.UtcNow - TimeSpan.FromSeconds(10)).Ticks));
    var (held, victimSlots) = (0, new List<string>());
    var previous = new HashSet<(string Connector, Guid? RunningId)>();
    do
    {
        // Lock sessions come and go (closed after a few idle seconds); the replica's keep one name.
        if (sessions.Count == 0)
        {
            sessions = await database.LockSessionsAsync(SocketPorts.Of(victimPids));
        }
        if (sessions.Count > 0)
        {
            var keys = await database.LockKeysAsync(sessions);
            underWay = await database.SlotsAsync(underWayOnly: true);
            held = keys.Count;
            // Under way there in two reads in a row (the same run): a run that lasts, not one about to end.
            var now = underWay.Slots.Where(s => keys.Contains(lockKeys[s.Connector])).Select(s => (s.Connector, s.RunningId)).ToHashSet();
            victimSlots = [.. now.Intersect(previous).Select(s => s.Connector)];
            previous = now;
            if (victimSlots.Count > 0)
            {
                break;
            }
        }
        await Task.Delay(TimeSpan.FromMilliseconds(50));
    }
    while (waited.Elapsed < waitAtMost);
    if (victimSlots.Count == 0 || underWay is null)
    {
        underWay = await database.SlotsAsync(underWayOnly: true);
    }
    var (userTicks, systemTicks) = ProcessWatch.CpuTimes(victimPids);
    killedCpuSeconds = (userTicks + systemTicks) / ProcessSnapshot.TicksPerSecond;
    // The replica and anything it started (the service under its `dotnet run` launcher): SIGKILL, as a machine that vanishes.
    using (var process = Process.GetProcessById(killedPid))
    {
        process.Kill(entireProcessTree: true);
    }
    killedAt = DateTimeOffset.UtcNow;
    victim = new VictimReplica(sessions, held, victimSlots, waited.Elapsed.TotalSeconds);
    var victimSessions = sessions;
    var killed = killedAt;
    afterKillWatch = Task.Run(async () =>
    {
        // Whether PostgreSQL let go of the dead replica's locks at once (its connections closed by the kernel) or later.
        double? locksGone = null, sessionsGone = null;
        IReadOnlyList<string> atOneSecond = [];
        var watch = Stopwatch.StartNew();
        while (victimSessions.Count > 0 && watch.Elapsed < ScaleBenchOptions.AfterKillWatch && (locksGone is null || sessionsGone is null))
        {
            var open = await database.SessionsAsync(victimSessions);
            if (atOneSecond.Count == 0 && DateTimeOffset.UtcNow - killed >= TimeSpan.FromSeconds(1))
            {
                atOneSecond = open.Count == 0 ? ["none open"] : open;
            }
            if (locksGone is null && (await database.LockKeysAsync(victimSessions)).Count == 0)
            {
                locksGone = (DateTimeOffset.UtcNow - killed).TotalSeconds;
            }
            if (sessionsGone is null && open.Count == 0)
            {
                sessionsGone = (DateTimeOffset.UtcNow - killed).TotalSeconds;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
        return new VictimAfterKill(locksGone, sessionsGone, atOneSecond);
    });
    Say($"  killed runner replica {victimName} at {killedAt:HH:mm:ss.fff}, {waited.Elapsed.TotalSeconds:N1} s after the midpoint; its lock sessions "
        + $"({string.Join(", ", sessions)}) held {held} locks, {victimSlots.Count} of them of the bench's slots under way; "
        + $"{underWay.Slots.Count} of the bench's slots were under way on either replica");
}
var rest = steadyTo - DateTimeOffset.UtcNow;
if (rest > TimeSpan.Zero)
{
    await Task.Delay(rest);
}
var end = session.Watch.Take();
var replicaRssEnd = replicaWatch.Take().RssKb;
var snapshot = await database.SlotsAsync();
await stopSampling.CancelAsync();
await sampling;
await stopCounting.CancelAsync();
try
{
    await counting;
}
catch (OperationCanceledException)
{
    // The window is over.
}
if (peakConnections is { } peakSample)
{
    Say($"  PostgreSQL connections at most {peakSample.Total} of {peakSample.Limit} ({peakSample.At:HH:mm:ss}); the bench's reads were tried again "
        + $"{database.RetriedReads} times");
}
Peak(end);

// Runs taken before the snapshot may still be on their way to metrics.runs: wait until their count holds still.
Say("Waiting for the runs under way at the end to reach the Metrics service…");
var drain = Stopwatch.StartNew();
var (lastCount, still) = (-1L, 0);
while (drain.Elapsed < TimeSpan.FromMinutes(2))
{
    var (runs, pending) = await database.ProgressAsync();
    still = runs == lastCount && pending == 0 ? still + 1 : 0;
    lastCount = runs;
    if (still >= 3 && drain.Elapsed >= TimeSpan.FromSeconds(10))
    {
        break;
    }
    await Task.Delay(TimeSpan.FromSeconds(2));
}
var stored = await database.ScheduledRunsAsync();
var claimed = (underWay?.Slots ?? []).Where(s => s.RunningId is not null).ToDictionary(s => s.RunningId!.Value, s => s.RunningDue!.Value);
var schedule = ScheduleCheck.Check(connectors, snapshot, stored, steadyFrom, snapshot.At - options.Margin, claimed);
Say($"  {schedule.Slots:N0} slots and {schedule.RunsChecked:N0} runs checked: lateness p50 {schedule.LatenessMilliseconds.P50:N0} ms, "
    + $"p99 {schedule.LatenessMilliseconds.P99:N0} ms, max {schedule.LatenessMilliseconds.Max:N0} ms; {schedule.DoubleRuns:N0} double runs, "
    + $"{schedule.MissedSlots:N0} missed slots");
TakeoverResult? takeover = null;
if (underWay is not null)
{
    takeover = ScheduleCheck.Takeover(connectors, underWay, killedAt, killedPid, victim, snapshot, stored, options.AfterKill);
    Say($"  takeover: {takeover.Retaken} of {takeover.UnderWayAtKill} runs under way retaken, p50 {takeover.RetakenAfterKillMilliseconds.P50:N0} ms / "
        + $"max {takeover.RetakenAfterKillMilliseconds.Max:N0} ms after the kill; {takeover.SlotsDueAfterKill} slots due in the {options.AfterKill.TotalSeconds:N0} s after it, "
        + $"max {takeover.DueAfterKillLatenessMilliseconds.Max:N0} ms late");
}
var victimAfterKill = afterKillWatch is null ? null : await afterKillWatch;
if (victimAfterKill is not null)
{
    Say($"  the killed replica's locks released {victimAfterKill.LocksReleasedAfterSeconds?.ToString("N1") ?? "not"} s after the kill, its lock sessions gone "
        + $"{victimAfterKill.SessionsGoneAfterSeconds?.ToString("N1") ?? "not"} s after it; a second after it: {string.Join("; ", victimAfterKill.SessionsAfterOneSecond)}");
}
var inWindow = stored.Where(r => r.StartedAt >= steadyFrom && r.StartedAt <= steadyTo).ToLookup(r => r.Connector);
var kinds = connectors.GroupBy(c => c.Kind).Select(g => new KindRuns(
    g.Key, g.Count(), g.Sum(c => inWindow[c.Name].LongCount()), g.Sum(c => inWindow[c.Name].LongCount(r => r.Status == "failed")))).ToList();

var footprint = Footprint(session, start, end, killedCpuSeconds, peak, replicaRssBeforeKill, replicaRssEnd);

Say("Warnings and errors the services logged…");
var logged = await ServiceLogs.ProblemsAsync(system.App,
    [ResourceNames.Runner, ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting, ResourceNames.Gateway, ResourceNames.WebUi]);
foreach (var problem in logged.Take(10))
{
    Say($"  {problem.Service} {problem.Level} {problem.Category} ×{problem.Count}: {problem.First}");
}
Say("Table sizes…");
var tables = await database.TablesAsync();
Say($"Endpoints and pages: {options.WarmUp} calls to warm up, then {options.Requests} timed calls each…");
using var webUi = system.App.CreateHttpClient(ResourceNames.WebUi);
var endpoints = await new EndpointTimings(system.Gateway, webUi, options.WarmUp, options.Requests, Say)
    .RunAsync(connectors[connectors.Count / 2].Name[..^1]);
var caches = await CacheSizes.ReadAsync(system.App, [ResourceNames.Runner, ResourceNames.Metrics, ResourceNames.Drift, ResourceNames.Alerting]);
var state = await session.StateAsync();

var results = new ScaleResults(
    options, machine, DateTimeOffset.UtcNow, system.HealthyAfter.ToDictionary(h => h.Key, h => h.Value.TotalSeconds), runnerPids, creation,
    steadyFrom, steadyTo, drain.Elapsed.TotalSeconds, schedule, takeover, victimAfterKill, peakConnections, mostConnections, database.RetriedReads, kinds, footprint, caches, tables, endpoints, logged, state, total.Elapsed);
var report = ScaleReport.Write(results);
await BenchCommandLine.WriteReportAsync(options.Output, "scale", report, results);

// CPU over the window; a killed process's time leaves its tree's sum with it, so the killed replica's is added as it was
// just before the kill.
static Footprint Footprint(
    BenchSession session, ProcessSnapshot start, ProcessSnapshot end, double killedCpuSeconds, IReadOnlyDictionary<string, long> peak,
    IReadOnlyDictionary<string, long> replicasBeforeKill, IReadOnlyDictionary<string, long> replicasEnd)
{
    var seconds = ProcessSnapshot.CpuSeconds(start, end);
    seconds[ResourceNames.Runner] = (end.CpuTicks.GetValueOrDefault(ResourceNames.Runner) - start.CpuTicks.GetValueOrDefault(ResourceNames.Runner))
        / ProcessSnapshot.TicksPerSecond + killedCpuSeconds;
    var window = (end.At - start.At).TotalSeconds;
    var percent = seconds.ToDictionary(s => s.Key, s => s.Value / window * 100);
    var machine = ProcessSnapshot.CpuPercent(start, end)["machine"];
    return new Footprint(
        window, session.Watch.Describe(), end.RssKb, new Dictionary<string, long>(peak), seconds, percent, machine,
        Math.Max(0, machine - percent.Values.Sum()),
        replicasBeforeKill.Where(r => r.Key != ProcessWatch.Bench).ToDictionary(),
        replicasEnd.Where(r => r.Key != ProcessWatch.Bench).ToDictionary());
}
