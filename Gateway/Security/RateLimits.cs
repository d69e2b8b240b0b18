using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Yarp.ReverseProxy.Model;

namespace ConnectorHealth.Gateway.Security;

public static class RateLimits
{
    /// <summary>The route metadata (<c>"Metadata": { "Stream": "true" }</c>) that marks a long-lived response, such as server-sent events.</summary>
    public const string StreamMetadata = "Stream";

    public static IServiceCollection AddGatewayRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var limits = configuration.GetSection(RateLimitOptions.Section).Get<RateLimitOptions>() ?? new RateLimitOptions();
        return services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
            {
                // Health probes (the AppHost's among them) are never limited.
                if (http.Request.Path.StartsWithSegments("/health") || http.Request.Path.StartsWithSegments("/alive"))
                {
                    return RateLimitPartition.GetNoLimiter("health");
                }
                var keyId = http.User.FindFirst(ApiKeyHandler.KeyIdClaim)?.Value;
                // A stream holds its permit while it is open (the limiter's lease lasts the request), so a key's open
                // streams are counted, never cut or refused by the requests the same key sends meanwhile.
                if (keyId is not null && IsStream(http))
                {
                    return RateLimitPartition.GetConcurrencyLimiter("stream:" + keyId, _ => new ConcurrencyLimiterOptions
                    {
                        PermitLimit = limits.OpenStreamsPerKey,
                        QueueLimit = 0,
                    });
                }
                var (partition, bucket) = keyId is not null
                    ? ("key:" + keyId, limits.PerKey)
                    : ("address:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown"), limits.PerAddress);
                return RateLimitPartition.GetTokenBucketLimiter(partition, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = bucket.Burst,
                    TokensPerPeriod = bucket.PerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            options.OnRejected = async (context, cancellationToken) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                await Results.Problem(
                    statusCode: StatusCodes.Status429TooManyRequests,
                    title: "Too many requests",
                    detail: $"This key (or address) sent more than its rate limit; try again in {seconds} s.")
                    .ExecuteAsync(context.HttpContext);
            };
        });
    }

    private static bool IsStream(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.Metadata?.GetValueOrDefault(StreamMetadata) is { } stream
        && bool.TryParse(stream, out var isStream) && isStream;
}
