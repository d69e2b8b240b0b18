using System.CommandLine;
using ConnectorHealth.Bench;

namespace ConnectorHealth.ScaleBench;

internal sealed record ScaleBenchOptions(
    int Connectors,
    TimeSpan SteadyState,
    int Replicas,
    bool Kill,
    int Concurrency,
    int Requests,
    int WarmUp,
    TimeSpan Margin,
    TimeSpan AfterKill,
    int Seed,
    string Output)
{
    // The names of the bench's connectors start with this; the configured catalog's own connectors are left out of the figures.
    public const string Prefix = "scale-";

    // How long the bench waits, at the midpoint, for the replica it kills to hold a connector's lock (a slot under way there).
    public static readonly TimeSpan KillWait = TimeSpan.FromSeconds(60);

    // How long, after the kill, the bench watches whether PostgreSQL still holds the killed replica's locks and sessions.
    public static readonly TimeSpan AfterKillWatch = TimeSpan.FromSeconds(120);

    // How often process memory is sampled for its peak while the steady state runs.
    public static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(10);

    /// <summary>The options, or null when help was shown or the command line was refused (the exit code is set).</summary>
    public static ScaleBenchOptions? Parse(IReadOnlyList<string> args)
    {
        var connectors = BenchCommandLine.WholeNumber("--connectors", 10_000, "Connectors created through PUT /api/connectors/{name}");
        var minutes = BenchCommandLine.WholeNumber("--minutes", 15, "Minutes of steady state measured after the connectors are created");
        var replicas = BenchCommandLine.WholeNumber("--replicas", 2, "Runner replicas (one of each other service)");
        var noKill = new Option<bool>("--no-kill") { Description = "Leave every runner replica running (no takeover measured)" };
        var concurrency = BenchCommandLine.WholeNumber("--concurrency", 8, "PUT requests at once while creating the connectors");
        var requests = BenchCommandLine.WholeNumber("--requests", 20, "Timed calls of each endpoint and page");
        var warmUp = BenchCommandLine.WholeNumber("--warm-up", 3, "Calls of each endpoint and page before the timed ones");
        var margin = BenchCommandLine.WholeNumber("--margin", 30,
            "Seconds before the end of the window left out of the slot check (runs still in flight)");
        var afterKill = BenchCommandLine.WholeNumber("--after-kill", 30, "Seconds after the kill whose slots count as due just after it");
        var seed = BenchCommandLine.WholeNumber("--seed", 20261207, "Seed of the connector mix");
        var output = BenchCommandLine.Output();
        var command = new RootCommand(
            "Starts the whole system (local mode, 2 runner replicas), creates connectors through the gateway, runs a steady state, "
            + "kills one runner replica at its midpoint, and measures schedule lateness, double runs and missed slots, the takeover, "
            + "each process's memory and CPU, table sizes and the API's and web UI's timings. Writes a report; never fails on the numbers.")
        {
            connectors, minutes, replicas, noKill, concurrency, requests, warmUp, margin, afterKill, seed, output,
        };
        if (BenchCommandLine.Parse(command, args,
            values => values.GetValue(connectors) >= 1 && values.GetValue(minutes) >= 1 && values.GetValue(replicas) is >= 1 and <= 8
                && values.GetValue(concurrency) is >= 1 and <= 256 && values.GetValue(requests) >= 3 && values.GetValue(warmUp) >= 0
                && values.GetValue(margin) >= 5 && values.GetValue(afterKill) >= 1
                && values.GetValue(margin) < values.GetValue(minutes) * 60,
            "Need one connector, a minute of steady state, 1–8 runner replicas, 1–256 requests at once, 3 timed calls, a margin of at "
                + "least 5 s shorter than the steady state, and a window after the kill of at least 1 s.") is not { } parsed)
        {
            return null;
        }
        return new ScaleBenchOptions(
            Connectors: parsed.GetValue(connectors),
            SteadyState: TimeSpan.FromMinutes(parsed.GetValue(minutes)),
            Replicas: parsed.GetValue(replicas),
            Kill: !parsed.GetValue(noKill) && parsed.GetValue(replicas) > 1,
            Concurrency: parsed.GetValue(concurrency),
            Requests: parsed.GetValue(requests),
            WarmUp: parsed.GetValue(warmUp),
            Margin: TimeSpan.FromSeconds(parsed.GetValue(margin)),
            AfterKill: TimeSpan.FromSeconds(parsed.GetValue(afterKill)),
            Seed: parsed.GetValue(seed),
            Output: parsed.GetValue(output)!);
    }
}
