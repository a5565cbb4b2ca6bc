// Keeps credit balances on screen current after a change in a Manage Credits popup.
// The credit log page carries the client's balance as JSON (#credit-balance-update). It writes
// it into the window that opened the popup (same origin, like Django's related-object popups)
// and broadcasts it to other admin tabs; pages that load this script (the client list) listen.
// Every element with data-credit-balance-client="<client pk>" shows that client's balance, as
// does #credit-balance on the client's Summary page when it opened the popup.
'use strict';
{
    const CHANNEL_NAME = 'billing_admin.credit-balance';
    const channel = 'BroadcastChannel' in window ? new BroadcastChannel(CHANNEL_NAME) : null;

    function showBalance(doc, update) {
        const selector = `[data-credit-balance-client="${Number(update.client_id)}"]`;
        for (const element of doc.querySelectorAll(selector)) {
            element.textContent = update.text;
        }
    }

    if (channel) {
        channel.addEventListener('message', (event) => showBalance(document, event.data));
    }

    const data = document.getElementById('credit-balance-update');
    if (data) {
        const update = JSON.parse(data.textContent);
        if (window.opener && !window.opener.closed) {
            try {
                const opener = window.opener;
                showBalance(opener.document, update);
                // The client's Summary page, which opens this popup, marks its balance by id.
                const summaryBalance = opener.document.getElementById('credit-balance');
                if (summaryBalance && opener.location.pathname === update.summary_path) {
                    summaryBalance.textContent = update.text;
                }
            } catch (error) {
                // The opener is on another origin: nothing of ours to update there.
            }
        }
        if (channel) {
            channel.postMessage(update);
        }
    }
}
