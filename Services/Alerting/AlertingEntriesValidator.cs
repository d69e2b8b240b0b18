using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.Alerting;

// The generated validator cannot reach into dictionaries: each channel and each connector's thresholds are checked here.
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
        return failures.Count > 0 ? ValidateOptionsResult.Fail(failures) : ValidateOptionsResult.Success;
    }
}
