using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Relay.Providers.Tests;

/// <summary>A fake upstream: answers each request with a scripted response and records what it was sent.</summary>
public sealed class ScriptedHandler(Func<HttpRequestMessage, HttpResponseMessage> respond) : HttpMessageHandler
{
    public List<(HttpRequestMessage Request, string Body)> Requests { get; } = [];

    public static ScriptedHandler Sse(PiecewiseStream body) => new(_ => SseResponse(body));

    public static ScriptedHandler Sse(string body) => Sse(new PiecewiseStream([Encoding.UTF8.GetBytes(body)]));

    public static ScriptedHandler Status(int status, string body, string mediaType = "application/json", TimeSpan? retryAfter = null) => new(_ =>
    {
        var response = new HttpResponseMessage((HttpStatusCode)status) { Content = new StringContent(body, Encoding.UTF8, mediaType) };
        if (retryAfter is { } wait)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(wait);
        }

        return response;
    });

    public static HttpResponseMessage SseResponse(Stream body)
    {
        var content = new StreamContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("text/event-stream");
        return new HttpResponseMessage(HttpStatusCode.OK) { Content = content };
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? "" : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Add((request, body));
        return respond(request);
    }
}
