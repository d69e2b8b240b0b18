using System.Globalization;

namespace ConnectorHealth.PipelineBench;

// Command line: --quick, --duration S, --baseline-duration S, --intake-duration S, --repeat N, --replicas N,
// --profile S, --keep-profile, --service-env NAME=VALUE, --concurrency N, --kpi-requests N, --samples N, --rate N, --connectors N, --backlog N, --in-flight N, --seed N, --output DIR.
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
    private const string Usage =
        "Options: --quick (15 s windows, 2 repeats) --duration S (120: each ingest window, as long as the pipeline must sustain its rate) --baseline-duration S (20) --intake-duration S (30: POST /api/runs "
        + "windows) --repeat N (3) --replicas N (2: ingest measured again with N replicas of metrics, drift and alerting; 1 skips it) "
        + "--profile S (20: seconds of a saturated pipeline sampled by perf; 0 skips it) --keep-profile (keep perf's data and the services' perf maps for perf report) --service-env NAME=VALUE (an environment variable for every service, e.g. DOTNET_gcServer=0; repeatable) --concurrency N (32 report requests at once) --kpi-requests N (50 warm requests per KPI endpoint) --samples N (30 latency samples) "
        + "--rate N (200 runs/s of background load while latency is measured) --connectors N (200) "
        + "--backlog N (5000 ready messages per queue before the publisher waits) --in-flight N (48 publishes awaiting confirmation) --seed N "
        + "--output DIR (bench/results)";

    // Idle figures: time after every resource is healthy before measuring, and how long they are measured.
    public TimeSpan IdleSettle => TimeSpan.FromSeconds(Quick ? 10 : 45);

    public TimeSpan IdleWindow => TimeSpan.FromSeconds(Quick ? 10 : 20);

    // Each throughput window starts with this much ramp-up that is left out of its rates.
    public TimeSpan WarmUp => WarmUpOf(Duration);

    public static TimeSpan WarmUpOf(TimeSpan window) => TimeSpan.FromSeconds(Math.Min(5, window.TotalSeconds / 4));

    // Before each intake window, left out of its figures: connections opened, the gateway's and the runner's code warm.
    public TimeSpan IntakeWarmUp => TimeSpan.FromSeconds(Math.Min(5, IntakeDuration.TotalSeconds / 5));

    public static PipelineBenchOptions Parse(IReadOnlyList<string> args)
    {
        var quick = args.Contains("--quick");
        var options = new PipelineBenchOptions(
            quick,
            Duration: TimeSpan.FromSeconds(quick ? 15 : 120),
            BaselineDuration: TimeSpan.FromSeconds(quick ? 10 : 20),
            IntakeDuration: TimeSpan.FromSeconds(quick ? 10 : 30),
            Repeat: quick ? 2 : 3,
            Replicas: 2,
            Profile: TimeSpan.FromSeconds(quick ? 10 : 20),
            KeepProfile: args.Contains("--keep-profile"),
            ServiceEnvironment: new Dictionary<string, string>(),
            Concurrency: 32,
            KpiRequests: 50,
            Samples: 30,
            BackgroundRate: 200,
            Connectors: 200,
            Backlog: 5_000,
            // RabbitMQ.Client delays each further publish on a channel by up to a second once more than half of its 128
            // outstanding confirmations are taken, so more in flight only slows the publisher down.
            InFlight: 48,
            Seed: 20261129,
            Output: ResultsFolder());
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (name is "--quick" or "--keep-profile")
            {
                continue;
            }
            var value = i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value. {Usage}");
            int Whole() => int.Parse(value.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture);
            options = name switch
            {
                "--duration" => options with { Duration = TimeSpan.FromSeconds(Whole()) },
                "--baseline-duration" => options with { BaselineDuration = TimeSpan.FromSeconds(Whole()) },
                "--intake-duration" => options with { IntakeDuration = TimeSpan.FromSeconds(Whole()) },
                "--repeat" => options with { Repeat = Whole() },
                "--replicas" => options with { Replicas = Whole() },
                "--profile" => options with { Profile = TimeSpan.FromSeconds(Whole()) },
                "--service-env" when value.IndexOf('=', StringComparison.Ordinal) is > 0 and var at => options with
                {
                    ServiceEnvironment = new Dictionary<string, string>(options.ServiceEnvironment) { [value[..at]] = value[(at + 1)..] },
                },
                "--service-env" => throw new ArgumentException($"--service-env needs NAME=VALUE, not \"{value}\". {Usage}"),
                "--concurrency" => options with { Concurrency = Whole() },
                "--kpi-requests" => options with { KpiRequests = Whole() },
                "--samples" => options with { Samples = Whole() },
                "--rate" => options with { BackgroundRate = Whole() },
                "--connectors" => options with { Connectors = Whole() },
                "--backlog" => options with { Backlog = Whole() },
                "--in-flight" => options with { InFlight = Whole() },
                "--seed" => options with { Seed = Whole() },
                "--output" => options with { Output = value },
                _ => throw new ArgumentException($"Unknown option {name}. {Usage}"),
            };
        }
        if (options.Duration < TimeSpan.FromSeconds(8) || options.BaselineDuration < TimeSpan.FromSeconds(4)
            || options.IntakeDuration < TimeSpan.FromSeconds(4) || options.Repeat < 1 || options.Replicas is < 1 or > 8
            || (options.Profile > TimeSpan.Zero && options.Profile < TimeSpan.FromSeconds(4))
            || options.Concurrency < 1 || options.KpiRequests < 5 || options.Samples < 5 || options.BackgroundRate < 1
            || options.Connectors < 1 || options.Backlog < 100 || options.InFlight < 1)
        {
            throw new ArgumentException("Need windows of at least 8 s (baseline and intake 4 s), one repetition, a profile of 0 or at least 4 s, 1–8 replicas, one report "
                + "request at once, 5 KPI requests, 5 latency samples, a background rate, one connector, a backlog of 100 and one publish in flight.");
        }
        return options;
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

    // bench/results in the repository (git-ignored).
    private static string ResultsFolder() => Path.Combine(RepositoryFolder(), "bench", "results");
}
