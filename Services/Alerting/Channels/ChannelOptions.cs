using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;

namespace ConnectorHealth.Alerting.Channels;

/// <summary>One webhook notifications go to ("Alerting:Channels:&lt;name&gt;").</summary>
public sealed class ChannelOptions : IValidatableObject
{
    public const string SectionName = "Alerting:Channels";

    /// <summary>An absolute http or https URL.</summary>
    [Required]
    public string Url { get; set; } = "";

    public ChannelFormat Format { get; set; } = ChannelFormat.Generic;

    /// <summary>The severities sent here; null for all.</summary>
    public IReadOnlyList<Severity>? Severities { get; set; }

    /// <summary>The rules (alert_type values) sent here; null for all.</summary>
    public IReadOnlyList<string>? Rules { get; set; }

    public bool Enabled { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult($"{nameof(Url)} must be an absolute http or https URL.", [nameof(Url)]);
        }
        foreach (var rule in Rules ?? [])
        {
            if (!RuleNames.IsKnown(rule))
            {
                yield return new ValidationResult(
                    $"{nameof(Rules)}: '{rule}' is not a rule; use one of {string.Join(", ", RuleNames.All)}.", [nameof(Rules)]);
            }
        }
        foreach (var severity in Severities ?? [])
        {
            if (!Enum.IsDefined(severity))
            {
                yield return new ValidationResult($"{nameof(Severities)}: {(int)severity} is not a severity.", [nameof(Severities)]);
            }
        }
    }
}
