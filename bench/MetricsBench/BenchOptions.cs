using System.CommandLine;
using ConnectorHealth.Bench;

namespace ConnectorHealth.MetricsBench;

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
    /// <summary>The options, or null when help was shown or the command line was refused (the exit code is set).</summary>
    public static BenchOptions? Parse(string[] args)
    {
        var runs = BenchCommandLine.WholeNumber("--runs", 10_000_000, "Runs loaded into the private database");
        var connectors = BenchCommandLine.WholeNumber("--connectors", 500, "Connectors the runs are spread over");
        var days = BenchCommandLine.WholeNumber("--days", 365, "Days the runs span (at least 31)");
        var iterations = BenchCommandLine.WholeNumber("--iterations", 200, "Timed requests per KPI endpoint");
        var baselineIterations = BenchCommandLine.WholeNumber("--baseline-iterations", 5, "Timed queries per first-version view");
        var ingestRuns = BenchCommandLine.WholeNumber("--ingest-runs", 100_000, "Runs sent through the consumer for the ingest figure");
        var seed = BenchCommandLine.WholeNumber("--seed", 20260310, "Seed of the generated runs");
        var connection = BenchCommandLine.Connection();
        var output = BenchCommandLine.Output();
        var command = new RootCommand(
            "Loads a year of connector runs into the Metrics service's schema and times each KPI endpoint over HTTP next to "
            + "the first version's plain-view SQL. Writes a report; never fails on the numbers.")
        {
            runs, connectors, days, iterations, baselineIterations, ingestRuns, connection, output, seed,
        };
        return BenchCommandLine.Parse(command, args,
            values => values.GetValue(runs) >= values.GetValue(connectors) && values.GetValue(connectors) >= 1 && values.GetValue(days) >= 31
                && values.GetValue(iterations) >= 1 && values.GetValue(baselineIterations) >= 1,
            "Need runs >= connectors >= 1, days >= 31 and at least one iteration.") is { } parsed
            ? new BenchOptions(
                parsed.GetValue(runs), parsed.GetValue(connectors), parsed.GetValue(days), parsed.GetValue(iterations),
                parsed.GetValue(baselineIterations), parsed.GetValue(ingestRuns), parsed.GetValue(connection),
                parsed.GetValue(output)!, parsed.GetValue(seed))
            : null;
    }
}
