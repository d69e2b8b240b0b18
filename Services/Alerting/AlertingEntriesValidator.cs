using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Alerting.Routes;
using ConnectorHealth.Alerting.Windows;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Alerting;

// The generated validator cannot reach into dictionaries or trees: each channel, each connector's thresholds, the routing
// tree and the maintenance windows are checked here.
public sealed class AlertingEntriesValidator : IValidateOptions<AlertingOptions>
{
    public ValidateOptionsResult Validate(string? name, AlertingOptions options)
    {
        var failures = new List<string>();
        foreach (var (key, entry) in options.Channels.Select(c => ($"Channels:{c.Key}", (object)c.Value))
            .Concat(options.Connectors.Select(c => ($"Connectors:{c.Key}", (object)c.Value))))
        {
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(entry, new ValidationContext(entry), results, validateAllProperties: true))
            {
                failures.AddRange(results.Select(r => $"Alerting:{key}: {r.ErrorMessage}"));
            }
        }
        if (options.Route is { } route)
        {
            failures.AddRange(RouteTree.Problems(route, options.Channels, options.TimeIntervals.Keys));
            failures.AddRange(RouteRanges(route, "Alerting:Route", 0));
        }
        failures.AddRange(MaintenanceWindows.Validate(options.TimeIntervals, "Alerting:TimeIntervals"));
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }

    private static IEnumerable<string> RouteRanges(AlertRoute route, string path, int depth)
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(route, new ValidationContext(route), results, validateAllProperties: true);
        foreach (var result in results)
        {
            yield return $"{path}: {result.ErrorMessage}";
        }
        for (var i = 0; i < route.Routes.Count && i < RouteTree.MaxRoutes && depth < RouteTree.MaxDepth; i++)
        {
            foreach (var problem in RouteRanges(route.Routes[i], $"{path}:Routes:{i}", depth + 1))
            {
                yield return problem;
            }
        }
    }
}
