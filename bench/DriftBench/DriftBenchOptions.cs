using System.Globalization;

namespace ConnectorHealth.DriftBench;

// Command line: --runs N --repeat N --connectors N --concurrency N --seed N --connection CS --output DIR.
internal sealed record DriftBenchOptions(int Runs, int Repeat, int Connectors, int Concurrency, int Seed, string? Connection, string Output)
{
    private const string Usage =
        "Options: --runs N (20000 per scenario) --repeat N (5) --connectors N (200) --concurrency N (1 batch at a time) --seed N "
        + "--connection <PostgreSQL connection string; default: start a private server> --output DIR (bench/results)";

    public static DriftBenchOptions Parse(string[] args)
    {
        if (args.Length % 2 != 0)
        {
            throw new ArgumentException($"Every option needs a value. {Usage}");
        }
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i += 2)
        {
            given[args[i]] = args[i + 1];
        }
        var unknown = given.Keys.Except(["--runs", "--repeat", "--connectors", "--concurrency", "--seed", "--connection", "--output"]).ToList();
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown option {unknown[0]}. {Usage}");
        }

        int Number(string name, int fallback) => given.TryGetValue(name, out var text)
            ? int.Parse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture)
            : fallback;

        var options = new DriftBenchOptions(
            Number("--runs", 20_000), Number("--repeat", 5), Number("--connectors", 200), Number("--concurrency", 1),
            Number("--seed", 20260601), given.GetValueOrDefault("--connection"), given.GetValueOrDefault("--output") ?? ResultsFolder());
        if (options.Runs < 1_000 || options.Connectors < 1 || options.Repeat < 1 || options.Concurrency < 1)
        {
            throw new ArgumentException("Need at least 1000 runs, one connector, one repetition and one batch at a time.");
        }
        return options;
    }

    // bench/results next to this project in the repository (git-ignored), wherever the bench is started from.
    private static string ResultsFolder()
    {
        var solution = new DirectoryInfo(Environment.CurrentDirectory);
        while (solution is not null && !solution.EnumerateFiles("ConnectorHealth.sln").Any())
        {
            solution = solution.Parent;
        }
        return Path.Combine(solution?.FullName ?? Environment.CurrentDirectory, "bench", "results");
    }
}
