using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>What every service (and the gateway) accepts in one request; configuration section <c>RequestLimits</c>.</summary>
public sealed class RequestLimitsOptions
{
    public const string Section = "RequestLimits";

    /// <summary>Path plus query, in bytes as sent; longer answers 414 with problem details.</summary>
    [Range(256, 60 * 1024)]
    public int MaxUrlBytes { get; set; } = 8 * 1024;

    /// <summary>
    /// Largest request body, in bytes; larger answers 413. Several times the runner's payload limit (1 MiB by default,
    /// counted as compact UTF-8, while a body may escape its text): more is only memory spent on a client's mistake.
    /// </summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxBodyBytes { get; set; } = 8 * 1024 * 1024;
}
