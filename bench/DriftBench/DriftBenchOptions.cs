using System.CommandLine;
using ConnectorHealth.Bench;

namespace ConnectorHealth.DriftBench;

internal sealed record DriftBenchOptions(int Runs, int Repeat, int Connectors, int Concurrency, int Seed, string? Connection, string Output)
{
    /// <summary>The options, or null when help was shown or the command line was refused (the exit code is set).</summary>
    public static DriftBenchOptions? Parse(string[] args)
    {
        var runs = BenchCommandLine.WholeNumber("--runs", 20_000, "Runs per processor scenario (at least 1000)");
        var repeat = BenchCommandLine.WholeNumber("--repeat", 5, "Repetitions of each measurement");
        var connectors = BenchCommandLine.WholeNumber("--connectors", 200, "Connectors the runs are spread over");
        var concurrency = BenchCommandLine.WholeNumber("--concurrency", 1, "Batches processed at a time");
        var seed = BenchCommandLine.WholeNumber("--seed", 20260601, "Seed of the generated runs and payloads");
        var connection = BenchCommandLine.Connection();
        var output = BenchCommandLine.Output();
        var command = new RootCommand(
            "Times the Drift service's schema inference (typical and hostile payloads), diffs, and its batch processor "
            + "against a private PostgreSQL. Writes a report; never fails on the numbers.")
        {
            runs, repeat, connectors, concurrency, seed, connection, output,
        };
        return BenchCommandLine.Parse(command, args,
            values => values.GetValue(runs) >= 1_000 && values.GetValue(connectors) >= 1 && values.GetValue(repeat) >= 1
                && values.GetValue(concurrency) >= 1,
            "Need at least 1000 runs, one connector, one repetition and one batch at a time.") is { } parsed
            ? new DriftBenchOptions(
                parsed.GetValue(runs), parsed.GetValue(repeat), parsed.GetValue(connectors), parsed.GetValue(concurrency),
                parsed.GetValue(seed), parsed.GetValue(connection), parsed.GetValue(output)!)
            : null;
    }
}
