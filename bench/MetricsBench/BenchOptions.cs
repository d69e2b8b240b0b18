using System.Globalization;

namespace ConnectorHealth.MetricsBench;

// Command line: --runs N --connectors N --days N --iterations N --baseline-iterations N --connection CS --output DIR.
internal sealed record BenchOptions(
    int Runs,
    int Connectors,
    int Days,
    int Iterations,
    int BaselineIterations,
    int IngestRuns,
    string? Connection,
    string Output,
    int Seed)
{
    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions(10_000_000, 500, 365, 200, 5, 100_000, null, DefaultOutput(), 20260310);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--runs" => options with { Runs = Int(value) },
                "--connectors" => options with { Connectors = Int(value) },
                "--days" => options with { Days = Int(value) },
                "--iterations" => options with { Iterations = Int(value) },
                "--baseline-iterations" => options with { BaselineIterations = Int(value) },
                "--ingest-runs" => options with { IngestRuns = Int(value) },
                "--connection" => options with { Connection = value },
                "--output" => options with { Output = value },
                "--seed" => options with { Seed = Int(value) },
                _ => throw new ArgumentException(
                    $"Unknown option {args[i]}. Options: --runs N (10000000) --connectors N (500) --days N (365) "
                    + "--iterations N (200) --baseline-iterations N (5) --ingest-runs N (100000) --seed N "
                    + "--connection <PostgreSQL connection string; default: start a private server> --output DIR (bench/results)"),
            };
            i++;
        }
        if (options.Runs < options.Connectors || options.Connectors < 1 || options.Days < 31 || options.Iterations < 1 || options.BaselineIterations < 1)
        {
            throw new ArgumentException("Need runs >= connectors >= 1, days >= 31 and at least one iteration.");
        }
        return options;
    }

    private static int Int(string text) => int.Parse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.None, CultureInfo.InvariantCulture);

    // bench/results under the repository root (found from the working directory), git-ignored.
    private static string DefaultOutput()
    {
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ConnectorHealth.sln")))
            {
                return Path.Combine(dir.FullName, "bench", "results");
            }
        }
        return Path.Combine(Environment.CurrentDirectory, "results");
    }
}
