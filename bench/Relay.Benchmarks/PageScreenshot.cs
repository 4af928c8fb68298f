using Microsoft.Playwright;
using Relay.Testing;

namespace Relay.Benchmarks;

/// <summary>
/// <c>-- screenshot</c>: the chat page mid-answer, in Debian's Chromium, saved as docs/img/chat-page.png for the README.
/// A run, not a test: the simulator holds the answer at a gate while the picture is taken.
/// </summary>
internal static class PageScreenshot
{
    public static async Task RunAsync(string root, CancellationToken cancellationToken)
    {
        var chromium = ExternalServers.Find("chromium") ?? throw new InvalidOperationException("chromium is not on PATH (apt-get install -y chromium)");
        await using var servers = await RelayServers.StartAsync(cancellationToken: cancellationToken);
        servers.Simulator.DefaultKnobs = "tokens=400;gate=shot@140";
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true });
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 960, Height = 640 }, ColorScheme = ColorScheme.Light });
        await page.GotoAsync(servers.Edge.Url.ToString());
        await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "1");
        await page.Locator("#prompt").FillAsync("Write a 400 word story about a kite");
        await page.Locator("#prompt").PressAsync("Enter");
        await servers.Simulator.Gates.WaitReachedAsync("shot", cancellationToken);
        await page.Locator("#prompt").FillAsync("Now make it shorter");
        var file = Path.Combine(root, "docs", "img", "chat-page.png");
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        await page.ScreenshotAsync(new() { Path = file });
        servers.Simulator.Gates.Release("shot");
        Console.WriteLine($"chat page mid-answer: {Path.GetRelativePath(root, file)}");
    }
}
