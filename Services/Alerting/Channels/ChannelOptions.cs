using System.ComponentModel.DataAnnotations;
using ConnectorHealth.Alerting.Alerts;
using ConnectorHealth.Alerting.Rules;
using MimeKit;

namespace ConnectorHealth.Alerting.Channels;

/// <summary>
/// One receiver notifications go to ("Alerting:Channels:&lt;name&gt;"): a webhook, Slack, PagerDuty, Teams or e-mail,
/// by <see cref="Format"/>. <see cref="Url"/> (a webhook's path is its key), <see cref="RoutingKey"/> and
/// <see cref="Password"/> are secrets: set them through Aspire parameters or the environment, never in a committed file.
/// </summary>
public sealed class ChannelOptions : IValidatableObject
{
    public const string SectionName = "Alerting:Channels";

    /// <summary>Where PagerDuty events go when <see cref="Url"/> is empty.</summary>
    public const string PagerDutyEventsUrl = "https://events.pagerduty.com/v2/enqueue";

    /// <summary>
    /// An absolute http or https URL: required for a webhook, Slack and Teams; for PagerDuty, another Events API
    /// endpoint than <see cref="PagerDutyEventsUrl"/> (the EU one, say); not used for e-mail.
    /// </summary>
    public string Url { get; set; } = "";

    public ChannelFormat Format { get; set; } = ChannelFormat.Generic;

    /// <summary>PagerDuty: the 32-character integration key of an Events API v2 integration.</summary>
    public string? RoutingKey { get; set; }

    /// <summary>E-mail: the SMTP server's host name.</summary>
    public string? SmtpHost { get; set; }

    /// <summary>E-mail: the SMTP server's port (587, submission, unless told otherwise).</summary>
    [Range(1, 65535)]
    public int SmtpPort { get; set; } = 587;

    public SmtpSecurity SmtpSecurity { get; set; } = SmtpSecurity.Auto;

    /// <summary>E-mail: the account to log in with; no authentication when empty.</summary>
    public string? Username { get; set; }

    public string? Password { get; set; }

    /// <summary>E-mail: the sender, an address or "Name &lt;address&gt;".</summary>
    public string? From { get; set; }

    /// <summary>E-mail: the recipients, each an address or "Name &lt;address&gt;".</summary>
    public IReadOnlyList<string>? To { get; set; }

    /// <summary>The severities sent here; null for all.</summary>
    public IReadOnlyList<Severity>? Severities { get; set; }

    /// <summary>The rules (alert_type values) sent here; null for all.</summary>
    public IReadOnlyList<string>? Rules { get; set; }

    public bool Enabled { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var result in Format switch
        {
            ChannelFormat.PagerDuty => ValidatePagerDuty(),
            ChannelFormat.Email => ValidateEmail(),
            _ => ValidateWebhook(),
        })
        {
            yield return result;
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

    /// <summary>Where PagerDuty events of this channel are posted.</summary>
    public string PagerDutyUrl => string.IsNullOrEmpty(Url) ? PagerDutyEventsUrl : Url;

    private IEnumerable<ValidationResult> ValidateWebhook()
    {
        if (!IsHttpUrl(Url))
        {
            yield return new ValidationResult($"{nameof(Url)} must be an absolute http or https URL.", [nameof(Url)]);
        }
    }

    private IEnumerable<ValidationResult> ValidatePagerDuty()
    {
        if (string.IsNullOrWhiteSpace(RoutingKey))
        {
            yield return new ValidationResult(
                $"{nameof(RoutingKey)} is required for PagerDuty: the integration key of an Events API v2 integration on the service.",
                [nameof(RoutingKey)]);
        }
        else if (RoutingKey.Length != 32)
        {
            yield return new ValidationResult(
                $"{nameof(RoutingKey)} must be the 32-character integration key of an Events API v2 integration, not {RoutingKey.Length} characters.",
                [nameof(RoutingKey)]);
        }
        if (Url.Length > 0 && !IsHttpUrl(Url))
        {
            yield return new ValidationResult(
                $"{nameof(Url)} must be an absolute http or https URL for PagerDuty, or empty for {PagerDutyEventsUrl}.", [nameof(Url)]);
        }
    }

    private IEnumerable<ValidationResult> ValidateEmail()
    {
        if (string.IsNullOrWhiteSpace(SmtpHost) || Uri.CheckHostName(SmtpHost) == UriHostNameType.Unknown)
        {
            yield return new ValidationResult($"{nameof(SmtpHost)} is required for e-mail: the SMTP server's host name.", [nameof(SmtpHost)]);
        }
        if (string.IsNullOrWhiteSpace(From))
        {
            yield return new ValidationResult($"{nameof(From)} is required for e-mail: the sender's address.", [nameof(From)]);
        }
        else if (!IsMailbox(From))
        {
            yield return new ValidationResult($"{nameof(From)}: '{From}' is not an e-mail address.", [nameof(From)]);
        }
        if (To is not { Count: > 0 })
        {
            yield return new ValidationResult($"{nameof(To)} must list at least one address for e-mail.", [nameof(To)]);
        }
        foreach (var to in (To ?? []).Where(to => !IsMailbox(to)))
        {
            yield return new ValidationResult($"{nameof(To)}: '{to}' is not an e-mail address.", [nameof(To)]);
        }
        if (!string.IsNullOrEmpty(Username) && string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult($"{nameof(Password)} is required when {nameof(Username)} is set.", [nameof(Password)]);
        }
        if (string.IsNullOrEmpty(Username) && !string.IsNullOrEmpty(Password))
        {
            yield return new ValidationResult(
                $"{nameof(Password)} is set but {nameof(Username)} is not: without a user name nothing logs in.", [nameof(Username)]);
        }
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);

    /// <summary>An address with a local part and a domain, bare or as "Name &lt;address&gt;".</summary>
    internal static bool IsMailbox(string? text) =>
        MailboxAddress.TryParse(text ?? "", out var mailbox) && mailbox.Address.IndexOf('@') is > 0 and var at && at < mailbox.Address.Length - 1;
}
