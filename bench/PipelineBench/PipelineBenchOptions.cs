using System.CommandLine;
using ConnectorHealth.Bench;

namespace ConnectorHealth.PipelineBench;

internal sealed record PipelineBenchOptions(
    bool Quick,
    TimeSpan Duration,
    TimeSpan BaselineDuration,
    TimeSpan IntakeDuration,
    int Repeat,
    int Replicas,
    TimeSpan Profile,
    bool KeepProfile,
    IReadOnlyDictionary<string, string> ServiceEnvironment,
    int Concurrency,
    int KpiRequests,
    int Samples,
    double BackgroundRate,
    int Connectors,
    int Backlog,
    int InFlight,
    int Seed,
    string Output)
{
    // Idle figures: time after every resource is healthy before measuring, and how long they are measured.
    public TimeSpan IdleSettle => TimeSpan.FromSeconds(Quick ? 10 : 45);

    public TimeSpan IdleWindow => TimeSpan.FromSeconds(Quick ? 10 : 20);

    // Each throughput window starts with this much ramp-up that is left out of its rates.
    public TimeSpan WarmUp => WarmUpOf(Duration);

    public static TimeSpan WarmUpOf(TimeSpan window) => TimeSpan.FromSeconds(Math.Min(5, window.TotalSeconds / 4));

    // Before each intake window, left out of its figures: connections opened, the gateway's and the runner's code warm.
    public TimeSpan IntakeWarmUp => TimeSpan.FromSeconds(Math.Min(5, IntakeDuration.TotalSeconds / 5));

    /// <summary>The options, or null when help was shown or the command line was refused (the exit code is set).</summary>
    public static PipelineBenchOptions? Parse(IReadOnlyList<string> args)
    {
        var quick = new Option<bool>("--quick") { Description = "15 s windows and 2 repeats (about 6 minutes instead of 25)" };
        Func<System.CommandLine.Parsing.ArgumentResult, int> Unless(int full, int whenQuick) =>
            result => result.GetValue(quick) ? whenQuick : full;
        var duration = BenchCommandLine.WholeNumber("--duration", Unless(120, 15),
            "Seconds of each ingest window, as long as the pipeline must sustain its rate (15 with --quick)");
        var baselineDuration = BenchCommandLine.WholeNumber("--baseline-duration", Unless(20, 10),
            "Seconds of each bare fan-out window (10 with --quick)");
        var intakeDuration = BenchCommandLine.WholeNumber("--intake-duration", Unless(30, 10),
            "Seconds of each POST /api/runs window (10 with --quick)");
        var repeat = BenchCommandLine.WholeNumber("--repeat", Unless(3, 2), "Repetitions of each window (2 with --quick)");
        var replicas = BenchCommandLine.WholeNumber("--replicas", 2,
            "Ingest measured again with N replicas of metrics, drift and alerting; 1 skips it");
        var profile = BenchCommandLine.WholeNumber("--profile", Unless(20, 10),
            "Seconds of a saturated pipeline sampled by perf; 0 skips it (10 with --quick)");
        var keepProfile = new Option<bool>("--keep-profile") { Description = "Keep perf's data and the services' perf maps for perf report" };
        var serviceEnvironment = new Option<string[]>("--service-env")
        {
            Description = "An environment variable for every service, e.g. DOTNET_gcServer=0; repeatable",
            HelpName = "NAME=VALUE",
        };
        serviceEnvironment.Validators.Add(result =>
        {
            foreach (var setting in result.GetValueOrDefault<string[]>() ?? [])
            {
                if (setting.IndexOf('=', StringComparison.Ordinal) < 1)
                {
                    result.AddError($"--service-env needs NAME=VALUE, not \"{setting}\".");
                }
            }
        });
        var concurrency = BenchCommandLine.WholeNumber("--concurrency", 32, "Report requests at once");
        var kpiRequests = BenchCommandLine.WholeNumber("--kpi-requests", 50, "Warm requests per KPI endpoint");
        var samples = BenchCommandLine.WholeNumber("--samples", 30, "Latency samples");
        var rate = BenchCommandLine.WholeNumber("--rate", 200, "Runs/s of background load while latency is measured");
        var connectors = BenchCommandLine.WholeNumber("--connectors", 200, "Connectors the runs are spread over");
        var backlog = BenchCommandLine.WholeNumber("--backlog", 5_000, "Ready messages per queue before the publisher waits");
        // RabbitMQ.Client delays each further publish on a channel by up to a second once more than half of its 128
        // outstanding confirmations are taken, so more in flight only slows the publisher down.
        var inFlight = BenchCommandLine.WholeNumber("--in-flight", 48, "Publishes awaiting confirmation");
        var seed = BenchCommandLine.WholeNumber("--seed", 20261129, "Seed of the generated runs");
        var output = BenchCommandLine.Output();
        var command = new RootCommand(
            "Starts the whole system (local mode, one replica of each service) and measures ingest end to end, run reports "
            + "through the gateway, detection latency, the KPI endpoints and each process's footprint. Writes a report; never "
            + "fails on the numbers.")
        {
            quick, duration, baselineDuration, intakeDuration, repeat, replicas, profile, keepProfile, serviceEnvironment,
            concurrency, kpiRequests, samples, rate, connectors, backlog, inFlight, seed, output,
        };
        if (BenchCommandLine.Parse(command, args,
            values => values.GetValue(duration) >= 8 && values.GetValue(baselineDuration) >= 4 && values.GetValue(intakeDuration) >= 4
                && values.GetValue(repeat) >= 1 && values.GetValue(replicas) is >= 1 and <= 8 && values.GetValue(profile) is 0 or >= 4
                && values.GetValue(concurrency) >= 1 && values.GetValue(kpiRequests) >= 5 && values.GetValue(samples) >= 5
                && values.GetValue(rate) >= 1 && values.GetValue(connectors) >= 1 && values.GetValue(backlog) >= 100 && values.GetValue(inFlight) >= 1,
            "Need windows of at least 8 s (baseline and intake 4 s), one repetition, a profile of 0 or at least 4 s, 1–8 replicas, one report "
                + "request at once, 5 KPI requests, 5 latency samples, a background rate, one connector, a backlog of 100 and one publish in flight.") is not { } parsed)
        {
            return null;
        }
        var settings = new Dictionary<string, string>();
        foreach (var setting in parsed.GetValue(serviceEnvironment) ?? [])
        {
            var at = setting.IndexOf('=', StringComparison.Ordinal);
            settings[setting[..at]] = setting[(at + 1)..];
        }
        return new PipelineBenchOptions(
            parsed.GetValue(quick),
            Duration: TimeSpan.FromSeconds(parsed.GetValue(duration)),
            BaselineDuration: TimeSpan.FromSeconds(parsed.GetValue(baselineDuration)),
            IntakeDuration: TimeSpan.FromSeconds(parsed.GetValue(intakeDuration)),
            Repeat: parsed.GetValue(repeat),
            Replicas: parsed.GetValue(replicas),
            Profile: TimeSpan.FromSeconds(parsed.GetValue(profile)),
            KeepProfile: parsed.GetValue(keepProfile),
            ServiceEnvironment: settings,
            Concurrency: parsed.GetValue(concurrency),
            KpiRequests: parsed.GetValue(kpiRequests),
            Samples: parsed.GetValue(samples),
            BackgroundRate: parsed.GetValue(rate),
            Connectors: parsed.GetValue(connectors),
            Backlog: parsed.GetValue(backlog),
            InFlight: parsed.GetValue(inFlight),
            Seed: parsed.GetValue(seed),
            Output: parsed.GetValue(output)!);
    }

    // The repository's folder, wherever the bench is started from.
    public static string RepositoryFolder()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "ConnectorHealth.sln")))
        {
            folder = folder.Parent;
        }
        return folder?.FullName ?? Environment.CurrentDirectory;
    }
}
