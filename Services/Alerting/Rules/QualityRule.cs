using ConnectorHealth.Alerting.Alerts;

namespace ConnectorHealth.Alerting.Rules;

/// <summary>The latest result of one data-quality assertion a job reported on a dataset (its OpenLineage <c>dataQualityAssertions</c>).</summary>
public sealed record AssertionResult(
    string DatasetKey, string DatasetNamespace, string DatasetName, string Assertion, string Column, Guid RunId, DateTimeOffset FinishedAt,
    bool Success);

/// <summary>
/// A data-quality assertion that failed in a job's latest run that reported it: one alert per job, dataset, assertion and
/// column, until a later run of the job reports it passing.
/// </summary>
public static class QualityRule
{
    /// <summary>What tells two quality alerts of one job apart: the dataset key (no spaces in it), then assertion and column.</summary>
    public static string Key(string datasetKey, string assertion, string column) =>
        $"{datasetKey} {System.Text.Json.JsonSerializer.Serialize(new[] { assertion, column })}";

    public static Finding? Evaluate(AssertionResult latest)
    {
        if (latest.Success)
        {
            return null;
        }
        var dataset = DatasetDetails.Display(latest.DatasetNamespace, latest.DatasetName);
        var on = latest.Column.Length > 0 ? $" on column {latest.Column}" : "";
        var details = DatasetDetails.Of(latest.DatasetKey, latest.DatasetNamespace, latest.DatasetName);
        details[DatasetDetails.Assertion] = latest.Assertion;
        if (latest.Column.Length > 0)
        {
            details[DatasetDetails.Column] = latest.Column;
        }
        details["run_id"] = latest.RunId.ToString();
        details["failed_at"] = AlertText.Timestamp(latest.FinishedAt);
        return new Finding(
            RuleNames.Quality,
            Severity.Warning,
            Key(latest.DatasetKey, latest.Assertion, latest.Column),
            $"Assertion {latest.Assertion} failed{on} of dataset {dataset}",
            $"Look at the rows of {dataset} that break {latest.Assertion}{on}: fix the source or the transformation that wrote them and rerun "
                + "the job (downstream readers see the bad rows until then); if the assertion itself is wrong, change it.",
            details);
    }
}
