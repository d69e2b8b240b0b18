using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace ConnectorHealth.Runner.Connectors;

/// <summary>
/// Calls a real HTTP endpoint and takes its JSON body as the payload. Outcomes become error types: 429 (with its
/// <c>Retry-After</c>), 5xx and timeouts are worth retrying; other 4xx, and bodies that are not JSON, are not.
/// </summary>
public sealed class HttpConnector(HttpClient http, HttpConnectorOptions options) : IConnector
{
    /// <summary>
    /// Far deeper than the pipeline carries: a deep payload is still a successful fetch, cut to
    /// <c>Runner:Payload:MaxDepth</c> and flagged by the sampler rather than failed as invalid JSON.
    /// </summary>
    private const int MaxParseDepth = 1024;

    public async Task<ConnectorResult> FetchAsync(ConnectorContext context, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(options.Method), options.Url);
        request.Headers.Accept.ParseAdd("application/json");
        foreach (var (name, value) in options.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        if (options.SecretHeader is { } secretHeader)
        {
            request.Headers.TryAddWithoutValidation(secretHeader, options.SecretValue);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException or IOException || ex.HttpRequestError
            is HttpRequestError.NameResolutionError or HttpRequestError.ConnectionError or HttpRequestError.SecureConnectionError)
        {
            var what = ex.HttpRequestError == HttpRequestError.NameResolutionError ? "name resolution failed" : "connection failed";
            throw new ConnectorException(ErrorTypes.Connection, $"{options.Method} {Host()}: {what}: {ex.Message}", retryable: true, inner: ex);
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                throw Failure(response, status, context.Time);
            }

            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                using var document = await JsonDocument.ParseAsync(
                    body, new JsonDocumentOptions { MaxDepth = MaxParseDepth }, cancellationToken);
                return new ConnectorResult(document.RootElement.Clone(), status);
            }
            catch (JsonException ex)
            {
                throw new ConnectorException(ErrorTypes.InvalidJson,
                    $"{options.Method} {Host()} answered {status} with a body that is not JSON: {ex.Message}",
                    retryable: false, httpStatus: status, inner: ex);
            }
        }
    }

    private ConnectorException Failure(HttpResponseMessage response, int status, TimeProvider time)
    {
        var message = $"{options.Method} {Host()} answered {status} {response.ReasonPhrase}";
        return status switch
        {
            429 => new ConnectorException(ErrorTypes.RateLimit, message, retryable: true, status, RetryAfter(response, time)),
            401 or 403 => new ConnectorException(ErrorTypes.Auth, message, retryable: false, status),
            408 => new ConnectorException(ErrorTypes.Timeout, message, retryable: true, status),
            >= 500 => new ConnectorException(ErrorTypes.Server, message, retryable: true, status, RetryAfter(response, time)),
            _ => new ConnectorException(ErrorTypes.Client, message, retryable: false, status),
        };
    }

    /// <summary><c>Retry-After</c> as seconds or as an HTTP date (relative to now); never negative.</summary>
    internal static TimeSpan? RetryAfter(HttpResponseMessage response, TimeProvider time) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
            { Date: { } date } => date - time.GetUtcNow() is var wait && wait > TimeSpan.Zero ? wait : TimeSpan.Zero,
            _ => null,
        };

    // Error messages name the host, never the query string (it may carry keys).
    private string Host() => Uri.TryCreate(options.Url, UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Path) : options.Url;
}
