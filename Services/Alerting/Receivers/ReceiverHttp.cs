using System.Net;
using ConnectorHealth.Alerting.Notifications;

namespace ConnectorHealth.Alerting.Receivers;

/// <summary>
/// One POST to a receiver over HTTP and what it came to. 2xx is delivered. 408, 425, 429 and 5xx are worth another
/// try (with the receiver's Retry-After when it gave one), as is a connection that failed or an answer that did not
/// come in time. Any other 4xx is final: the receiver refused this request and will refuse it again (PagerDuty's 400
/// "invalid event", a Slack webhook that was revoked).
/// </summary>
internal static class ReceiverHttp
{
    private const int ExcerptLength = 300;

    public static async Task<DeliveryOutcome> PostAsync(HttpClient client, string url, HttpContent content, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return new DeliveryOutcome(false, null, "the receiver's URL is not an absolute http or https URL", Final: true);
        }
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                return new DeliveryOutcome(true, status, null);
            }
            var excerpt = await ExcerptAsync(response, cancellationToken);
            var error = $"HTTP {status} {response.ReasonPhrase}" + (excerpt.Length > 0 ? $": {excerpt}" : "");
            return IsWorthRetrying(response.StatusCode)
                ? new DeliveryOutcome(false, status, error, RetryAfter: RetryAfter(response))
                : new DeliveryOutcome(false, status, error, Final: true);
        }
        catch (HttpRequestException ex)
        {
            return new DeliveryOutcome(false, null, ex.Message);
        }
        catch (OperationCanceledException)
        {
            // The caller's token is its timeout; HttpClient's own timeout ends the same way.
            return new DeliveryOutcome(false, null, "no answer in time");
        }
    }

    private static bool IsWorthRetrying(HttpStatusCode status) =>
        status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests || (int)status is 425 or >= 500;

    // Retry-After is seconds or a date; a date is read against the answer's own Date, so no clock of ours is involved.
    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var retryAfter = response.Headers.RetryAfter;
        if (retryAfter?.Delta is { } delta)
        {
            return delta;
        }
        if (retryAfter?.Date is { } date && response.Headers.Date is { } now)
        {
            return date > now ? date - now : TimeSpan.Zero;
        }
        return null;
    }

    private static async Task<string> ExcerptAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            // Only the start is read: an error page can be large, and a few hundred characters say what went wrong.
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));
            var start = new char[4 * ExcerptLength];
            var read = await reader.ReadBlockAsync(start, cancellationToken);
            var words = new string(start, 0, read).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            return NoticeText.Cut(string.Join(' ', words), ExcerptLength);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            return "";
        }
    }
}
