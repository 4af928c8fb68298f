using System.Net;
using System.Text.Json;
using Relay.Testing;

namespace Relay.Edge.Tests;

/// <summary>How the edge serves the chat page: its files, the policy that fences it in, its config, and RELAY_WEB.</summary>
public sealed class ChatPageServingTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_page_and_its_files_come_with_a_policy_that_allows_only_the_edge_itself()
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_TOKENS"] = "t-1" }, cancellationToken: Ct);
        using var http = servers.CreateClient();
        using var page = await http.GetAsync("/", Ct);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode); // open, even with tokens: it asks for one itself
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = page.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", csp, StringComparison.Ordinal);

        foreach (var file in new[] { "web/app.js", "web/app.css", "web/vendor/marked.min.js", "web/vendor/purify.min.js" })
        {
            using var asset = await http.GetAsync(file, Ct);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
            using var again = new HttpRequestMessage(HttpMethod.Get, file) { Headers = { { "If-None-Match", asset.Headers.ETag!.Tag } } };
            Assert.Equal(HttpStatusCode.NotModified, (await http.SendAsync(again, Ct)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("web/nope.js", Ct)).StatusCode);
        using var config = JsonDocument.Parse(await http.GetStringAsync("web/config.json", Ct));
        Assert.True(config.RootElement.GetProperty("tokens_required").GetBoolean());
        Assert.Equal("openai/gpt-4o-mini", config.RootElement.GetProperty("default_model").GetString());
        Assert.False(string.IsNullOrEmpty(config.RootElement.GetProperty("hints").GetProperty("INSUFFICIENT_CREDITS").GetString()));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("false")]
    public async Task RELAY_WEB_off_serves_no_page(string off)
    {
        await using var servers = await RelayServers.StartAsync(edgeSettings: new Dictionary<string, string?> { ["RELAY_WEB"] = off }, cancellationToken: Ct);
        using var http = servers.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/", Ct)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("web/app.js", Ct)).StatusCode);
    }
}
