using ConnectorHealth.Contracts;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>
/// The rules for each connector of the catalog, which attributes cannot express: the catalog is a dictionary, a message
/// names the connector, and some rules span fields (Interval or Cron, MaxDelay against InitialDelay, Http for kind http).
/// </summary>
internal sealed class ConnectorCatalogValidator : IValidateOptions<RunnerOptions>
{
    public ValidateOptionsResult Validate(string? name, RunnerOptions options)
    {
        var failures = new List<string>();
        foreach (var (connector, c) in options.Connectors)
        {
            var at = $"{RunnerOptions.Section}:Connectors:{connector}";
            if (!RunDefinition.IsConnectorName(connector))
            {
                failures.Add($"{at}: the name must be {RunDefinition.ConnectorNameRule}.");
            }
            if (!ConnectorKinds.IsKnown(c.Kind))
            {
                failures.Add($"{at}:Kind '{c.Kind}' is not a known kind ({string.Join(", ", ConnectorKinds.All)}).");
            }
            switch (c.Interval, c.Cron)
            {
                case (null, null):
                    failures.Add($"{at}: set Interval or Cron.");
                    break;
                case ({ }, { }):
                    failures.Add($"{at}: set Interval or Cron, not both.");
                    break;
                case ({ } interval, null) when interval < RunDefinition.MinExpectedInterval || interval > RunDefinition.MaxExpectedInterval:
                    // It travels with every run as the expected interval, which every store keeps within these bounds.
                    failures.Add($"{at}:Interval must be between {RunDefinition.MinExpectedInterval} and {RunDefinition.MaxExpectedInterval.TotalDays:0} days (was {interval}).");
                    break;
                case (null, { } cron) when !ConnectorSchedule.TryParseCron(cron, out _):
                    failures.Add($"{at}:Cron '{cron}' is not a valid cron expression.");
                    break;
            }
            if (c.Timeout <= TimeSpan.Zero)
            {
                failures.Add($"{at}:Timeout must be positive (was {c.Timeout}).");
            }
            if (c.Retry.MaxAttempts is < 1 or > 20)
            {
                failures.Add($"{at}:Retry:MaxAttempts must be between 1 and 20 (was {c.Retry.MaxAttempts}).");
            }
            if (c.Retry.InitialDelay < TimeSpan.Zero)
            {
                failures.Add($"{at}:Retry:InitialDelay must not be negative (was {c.Retry.InitialDelay}).");
            }
            if (c.Retry.Multiplier < 1)
            {
                failures.Add($"{at}:Retry:Multiplier must be at least 1 (was {c.Retry.Multiplier}).");
            }
            if (c.Retry.MaxDelay < c.Retry.InitialDelay)
            {
                failures.Add($"{at}:Retry:MaxDelay must not be below InitialDelay (was {c.Retry.MaxDelay}).");
            }
            if (c.Kind == ConnectorKinds.Http)
            {
                ValidateHttp(at, c.Http, failures);
            }
            // Checked by the run's own rules, which every consumer applies to the runs that carry them.
            if (c.Owner is { } owner && RunDefinition.OwnerProblem(owner, "Owner") is { } ownerProblem)
            {
                failures.Add($"{at}:{ownerProblem}");
            }
            if (c.Tags is { } tags && RunDefinition.TagsProblem(tags, "Tags") is { } tagsProblem)
            {
                failures.Add($"{at}:{tagsProblem}");
            }
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateHttp(string at, HttpConnectorOptions? http, List<string> failures)
    {
        if (http is null)
        {
            failures.Add($"{at}:Http is required for kind 'http'.");
            return;
        }
        if (!Uri.TryCreate(http.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
        {
            failures.Add($"{at}:Http:Url '{http.Url}' is not an absolute http(s) URL.");
        }
        if (http.Method is not ("GET" or "POST" or "PUT" or "HEAD"))
        {
            failures.Add($"{at}:Http:Method '{http.Method}' is not one of GET, POST, PUT, HEAD.");
        }
        if (http.SecretHeader is not null && string.IsNullOrEmpty(http.SecretValue))
        {
            failures.Add($"{at}:Http:SecretValue is required when SecretHeader is set.");
        }
    }
}
