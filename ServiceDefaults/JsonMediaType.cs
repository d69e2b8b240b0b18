using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Net.Http.Headers;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Reads the Content-Type of a JSON body as RFC 9110 §8.3 writes it: parameter names in any case, values quoted or not
/// (<c>application/json; Charset="UTF-8"</c>). The body must be UTF-8 JSON (RFC 8259 §8.1): another charset or media
/// type is answered 415 with problem details. An accepted header is handed on without its parameters: minimal APIs
/// pass the raw charset to <c>Encoding.GetEncoding</c>, which throws for a quoted or unknown name (a 500).
/// </summary>
internal sealed class JsonMediaType(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext httpContext)
    {
        var request = httpContext.Request;
        // Only endpoints that read a JSON body (minimal APIs declare it); the proxy, forms and the web UI are not read here.
        if (request.Headers.ContentType.Count == 0
            || httpContext.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is not { RequestType: not null } accepts
            || !accepts.ContentTypes.Any(type => type.Contains("json", StringComparison.OrdinalIgnoreCase)))
        {
            return next(httpContext);
        }

        if (request.Headers.ContentType.Count > 1
            || !MediaTypeHeaderValue.TryParse(request.Headers.ContentType.ToString(), out var mediaType)
            || !(mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
                || mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase)))
        {
            return Unsupported(httpContext, "The request body must be JSON: Content-Type: application/json.");
        }
        if (mediaType.Charset.HasValue
            && !HeaderUtilities.RemoveQuotes(mediaType.Charset).Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return Unsupported(httpContext, "The request body must be UTF-8 JSON: leave the charset out or send charset=utf-8.");
        }
        request.ContentType = mediaType.MediaType.ToString();
        return next(httpContext);
    }

    // The result falls back to plain JSON when the client's Accept header rules out the problem details writers.
    private static Task Unsupported(HttpContext httpContext, string detail) =>
        TypedResults.Problem(new ProblemDetails { Status = StatusCodes.Status415UnsupportedMediaType, Detail = detail })
            .ExecuteAsync(httpContext);
}
