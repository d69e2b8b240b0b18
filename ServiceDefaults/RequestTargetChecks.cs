using ConnectorHealth.Contracts;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;

namespace ConnectorHealth.ServiceDefaults;

/// <summary>
/// Checks what every request carries before any endpoint sees it: the URL's length (Kestrel's own limit answers with an
/// empty body, so Kestrel's is set higher and this one answers 414 with problem details), the declared body size, and
/// that each path segment and query value decodes to text the services can store (no NUL, valid UTF-8), and that no
/// REST route's query parameter is given twice.
/// </summary>
internal sealed class RequestTargetChecks(RequestDelegate next, IOptionsMonitor<RequestLimitsOptions> limits)
{
    // Every REST route takes each query parameter once (none takes a list); the web UI's pages answer their own links.
    private static readonly PathString ApiPath = "/api";

    public async Task InvokeAsync(HttpContext httpContext)
    {
        var request = httpContext.Request;
        var options = limits.CurrentValue;
        var target = httpContext.Features.Get<IHttpRequestFeature>()?.RawTarget is { Length: > 0 } raw && raw[0] == '/'
            ? raw
            : request.PathBase + request.Path + request.QueryString;

        if (target.Length > options.MaxUrlBytes)
        {
            await WriteAsync(httpContext, new ProblemDetails
            {
                Status = StatusCodes.Status414UriTooLong,
                Title = "URL too long",
                Detail = $"The path and query may be at most {options.MaxUrlBytes} bytes; this one has {target.Length}.",
            });
            return;
        }
        if (request.ContentLength > options.MaxBodyBytes)
        {
            await WriteAsync(httpContext, new ProblemDetails
            {
                Status = StatusCodes.Status413PayloadTooLarge,
                Title = "Request body too large",
                Detail = $"A request body may be at most {options.MaxBodyBytes} bytes; this one has {request.ContentLength}.",
            });
            return;
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var query = target.IndexOf('?');
        CheckPath(query < 0 ? target : target[..query], request.RouteValues, errors);
        if (query >= 0)
        {
            CheckQuery(target.AsSpan(query + 1), request.Path.StartsWithSegments(ApiPath), errors);
        }
        if (errors.Count > 0)
        {
            await WriteAsync(httpContext, new HttpValidationProblemDetails(errors) { Status = StatusCodes.Status400BadRequest });
            return;
        }

        await next(httpContext);
    }

    private static void CheckPath(string path, RouteValueDictionary routeValues, Dictionary<string, string[]> errors)
    {
        foreach (var segment in path.Split('/'))
        {
            if (StorableText.TryPercentDecode(segment, plusIsSpace: false, out var text) && StorableText.IsStorable(text))
            {
                continue;
            }
            // Routing has run: name the route parameter that holds the segment, as a client knows it from the document.
            var lenient = Uri.UnescapeDataString(segment);
            var parameter = routeValues.FirstOrDefault(v => v.Value is string value && (value == lenient || value == segment)).Key;
            errors.TryAdd(parameter ?? "path", [$"Each path segment {StorableText.Rule}."]);
        }
    }

    private static void CheckQuery(ReadOnlySpan<char> query, bool singleValued, Dictionary<string, string[]> errors)
    {
        var seen = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            var equals = pair.IndexOf('=');
            var rawName = equals < 0 ? pair : pair[..equals];
            var rawValue = equals < 0 ? [] : pair[(equals + 1)..];
            var nameIsText = StorableText.TryPercentDecode(rawName, plusIsSpace: true, out var name) && StorableText.IsStorable(name);
            if (!nameIsText)
            {
                errors.TryAdd("query", [$"Each query parameter name {StorableText.Rule}."]);
            }
            else if (!(StorableText.TryPercentDecode(rawValue, plusIsSpace: true, out var value) && StorableText.IsStorable(value)))
            {
                errors.TryAdd(name, [$"{name} {StorableText.Rule}."]);
            }
            // ?limit=5&limit=6 has no one meaning: binding would take the first, the last or "5,6" depending on the route.
            // Query names bind case-insensitively, so ?limit=5&LIMIT=6 is the same parameter twice.
            else if (singleValued && name.Length > 0 && !seen.TryAdd(name, name))
            {
                // Named as first spelt, which is how binding reads it.
                errors.TryAdd(seen[name], [$"{seen[name]} may be given once."]);
            }
        }
    }

    // The result falls back to plain JSON when the client's Accept header rules out the problem details writers.
    private static Task WriteAsync(HttpContext httpContext, ProblemDetails problem) => TypedResults.Problem(problem).ExecuteAsync(httpContext);
}
