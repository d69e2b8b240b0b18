using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.Gateway.Security;

/// <summary>Token buckets per API key and, for requests without a valid key, per client address (<c>Gateway:RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Gateway:RateLimits";

    [Required]
    public BucketOptions PerKey { get; set; } = new() { Burst = 2_000, PerSecond = 1_000 };

    [Required]
    public BucketOptions PerAddress { get; set; } = new() { Burst = 60, PerSecond = 20 };
}
