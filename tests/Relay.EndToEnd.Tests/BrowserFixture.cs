using Microsoft.Playwright;
using Relay.Testing;

namespace Relay.EndToEnd.Tests;

/// <summary>One headless Chromium for a test class: Debian's /usr/bin/chromium (never a downloaded browser).</summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public async ValueTask InitializeAsync()
    {
        if (ExternalServers.Find("chromium") is not { } chromium)
        {
            return;
        }

        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = chromium, Headless = true });
    }

    /// <summary>A fresh page (its own storage) at <paramref name="url"/>, ready once the page has started.</summary>
    public async Task<IPage> OpenAsync(Uri url)
    {
        if (_browser is null)
        {
            var reason = ExternalServers.Missing("chromium")!;
            Assert.True(!ExternalServers.Required, $"{reason}, and {ExternalServers.RequireVariable}=1 requires it");
            Assert.Skip(reason);
        }

        var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(url.ToString());
        await Assertions.Expect(page.Locator("body")).ToHaveAttributeAsync("data-ready", "1");
        return page;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
