using System.ComponentModel.DataAnnotations;

namespace ConnectorHealth.Gateway.Security;

/// <summary>
/// Token buckets per API key and, for requests without a valid key, per client address; a cap on the streams a key holds
/// open (<c>Gateway:RateLimits</c>).
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "Gateway:RateLimits";

    [Required]
    public BucketOptions PerKey { get; set; } = new() { Burst = 2_000, PerSecond = 1_000 };

    [Required]
    public BucketOptions PerAddress { get; set; } = new() { Burst = 60, PerSecond = 20 };

    /// <summary>
    /// Streams (routes with the metadata <c>Stream: true</c>, such as <c>/api/alerts/stream</c>) one key may hold open at
    /// once. Opening one does not draw on the key's bucket: a stream is one long response, not a flow of requests.
    /// </summary>
    [Range(1, 1_000_000)]
    public int OpenStreamsPerKey { get; set; } = 1_000;
}
