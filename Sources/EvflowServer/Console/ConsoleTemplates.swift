import Mustache

/// The console's Mustache templates, compiled into the binary as string literals (no files to find at run time,
/// nothing fetched from the internet): a layout with a small inline stylesheet that also fits a phone, and one
/// template per page. `{{…}}` escapes HTML; only the server-drawn SVG graph is inserted raw (`{{{graph}}}`), and
/// ``FlowGraphSVG`` escapes every text it draws.
enum ConsoleTemplates {
    /// Every template, compiled once.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        for (name, text) in sources {
            do {
                try library.register(text, named: name)
            } catch {
                preconditionFailure("console template \(name) does not compile: \(error)")
            }
        }
        return library
    }()

    static let sources: [(String, String)] = [
        ("head", head), ("foot", foot), ("signin", signin), ("overview", overview), ("list", list),
        ("instance", instance), ("preview", preview), ("message", message),
    ]

    static let head = """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · evflow console</title>
        <style>
        body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#f6f6f4;font-size:15px;overflow-wrap:anywhere}
        header{background:#1d3557;color:#fff;padding:.5em 1em;display:flex;flex-wrap:wrap;gap:1em;align-items:center}
        header a{color:#fff}header form{margin:0 0 0 auto}
        main{padding:1em;max-width:70em;margin:auto}
        table{border-collapse:collapse;width:100%;background:#fff}th,td{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
        .scroll{overflow-x:auto}.stuck{background:#fff1f0}.note{color:#a00}.muted{color:#666}
        .box{background:#fff;border:1px solid #ddd;padding:.75em 1em;margin:.75em 0;border-radius:4px}
        .counts{display:flex;flex-wrap:wrap;gap:.5em}.counts a{background:#fff;border:1px solid #ccc;padding:.5em .8em;border-radius:4px;text-decoration:none;color:#222}
        form.repair{display:grid;gap:.4em;max-width:30em}input,select,textarea,button{font:inherit;padding:.35em}
        button{cursor:pointer;background:#1d3557;color:#fff;border:0;border-radius:3px;padding:.45em 1em}
        button.danger{background:#a4161a}code,.mono{font-family:ui-monospace,monospace;font-size:.9em;word-break:break-all}
        .error{background:#fff1f0;border:1px solid #a4161a;padding:.75em 1em}
        </style></head><body>
        <header><strong>evflow console</strong>
        {{#signedIn}}<a id="nav-overview" href="/console">Overview</a><a id="nav-instances" href="/console/instances">Instances</a>
        <span id="who">{{who}}{{#readOnly}} (read-only){{/readOnly}}</span>
        <form id="signout" method="post" action="/console/signout"><input type="hidden" name="csrf" value="{{csrf}}"><button id="signout-submit">Sign out</button></form>{{/signedIn}}
        </header><main>
        """

    static let foot = "</main></body></html>\n"

    static let signin = """
        {{>head}}<h1>Sign in</h1>
        {{#hasError}}<p id="error" class="error">{{error}}</p>{{/hasError}}
        <form id="signin" class="repair" method="post" action="/console/signin">
        <input type="hidden" name="csrf" value="{{signinCsrf}}">
        <label for="token">API, operator or read-only console token</label>
        <input id="token" name="token" type="password" autocomplete="current-password" required>
        <button id="signin-submit">Sign in</button></form>
        <p class="muted">The token is checked once and never shown again; the session lasts while you use it.</p>
        {{>foot}}
        """

    static let overview = """
        {{>head}}{{#page}}<h1>Overview</h1>
        <div id="counts" class="counts">{{#counts}}<a href="{{href}}" data-status="{{status}}">{{status}}: <strong>{{count}}</strong></a>{{/counts}}
        <a href="/console/instances?status=stuck" data-status="stuck">stuck: <strong id="stuck-count">{{stuckCount}}</strong></a>
        <a href="/console/instances">all: <strong>{{total}}</strong></a></div>
        <div class="box" id="held"><strong>Money held right now:</strong> {{#held}}<span class="held">{{money}}</span> {{/held}}{{#nothingHeld}}none{{/nothingHeld}}
        <br><strong>Payments near their capture deadline:</strong> <span id="near-deadline">{{nearCaptureDeadline}}</span>
        {{#hasUnreadable}}<br><strong class="note">Unreadable instance files:</strong> {{unreadable}}{{/hasUnreadable}}</div>
        <h2>Stuck</h2>
        {{^hasStuck}}<p id="no-stuck">Nothing is stuck.</p>{{/hasStuck}}
        {{#hasStuck}}<div class="scroll"><table id="stuck"><tr><th>Instance</th><th>Flow</th><th>Status</th><th>Step</th><th>Updated</th><th>Why</th></tr>
        {{#stuck}}<tr class="stuck"><td>{{#hasLink}}<a class="instance-link" data-instance="{{id}}" href="{{href}}">{{id}}</a>{{/hasLink}}{{^hasLink}}{{id}}{{/hasLink}}</td><td>{{flow}}</td><td>{{status}}</td><td>{{step}}</td><td>{{updated}}</td><td class="note">{{note}}</td></tr>{{/stuck}}
        </table></div>{{/hasStuck}}
        {{#moreStuck}}<p><a href="/console/instances?status=stuck">All {{stuckCount}} stuck instances</a></p>{{/moreStuck}}
        {{/page}}{{>foot}}
        """

    static let list = """
        {{>head}}{{#page}}<h1>Instances</h1>
        <form id="filters" method="get" action="/console/instances" class="box">
        <label>Status <select name="status" id="filter-status"><option value="">any</option>{{#statusOptions}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/statusOptions}}</select></label>
        <label>Flow <select name="flow" id="filter-flow"><option value="">any</option>{{#flowOptions}}<option{{#selected}} selected{{/selected}}>{{value}}</option>{{/flowOptions}}</select></label>
        <label>Older than <input name="olderThan" id="filter-older" size="5" placeholder="30m" value="{{olderThan}}"></label>
        <label>Id or payment reference <input name="q" id="filter-q" value="{{query}}"></label>
        <button id="filter-submit">Filter</button></form>
        <p id="matched">{{matched}} matching, page {{pageNumber}} of {{pages}}</p>
        {{#empty}}<p>No instances match.</p>{{/empty}}
        {{^empty}}<div class="scroll"><table id="instances"><tr><th>Instance</th><th>Flow</th><th>Status</th><th>Step</th><th>Updated</th><th>Payment</th><th>Held</th><th>Captured</th><th>Note</th></tr>
        {{#rows}}<tr{{#isStuck}} class="stuck"{{/isStuck}}><td>{{#hasLink}}<a class="instance-link" data-instance="{{id}}" href="{{href}}">{{id}}</a>{{/hasLink}}{{^hasLink}}{{id}}{{/hasLink}}</td><td>{{flow}}</td><td>{{status}}</td><td>{{step}}</td><td>{{updated}}</td><td class="mono">{{reference}}</td><td>{{held}}</td><td>{{captured}}</td><td class="note">{{note}}</td></tr>
        {{/rows}}</table></div>{{/empty}}
        <p>{{#hasPrevious}}<a id="page-previous" href="{{previousHref}}">← newer</a> {{/hasPrevious}}{{#hasNext}}<a id="page-next" href="{{nextHref}}">older →</a>{{/hasNext}}</p>
        {{/page}}{{>foot}}
        """

    static let instance = """
        {{>head}}{{#page}}<h1 id="instance-id" class="mono">{{id}}</h1>
        <p>{{flow}} v{{version}} · <strong id="status">{{status}}</strong> at <span id="current">{{step}}</span> · created {{created}} · updated {{updated}}</p>
        {{#isStuck}}<p id="stuck-reason" class="error"><strong>Stuck:</strong> {{stuck}}</p>{{/isStuck}}
        {{#hasFailure}}<p id="failure" class="note">Failure: {{failure}}</p>{{/hasFailure}}
        {{#hasCancellationRequest}}<p>Cancel requested: {{cancellationRequest}}</p>{{/hasCancellationRequest}}
        <div class="box" id="money"><strong>Money</strong> (as last confirmed by the provider):
        {{#hasPayment}}payment <span class="mono">{{reference}}</span> {{paymentState}}<ul>{{#money}}<li>{{text}}</li>{{/money}}</ul>{{/hasPayment}}{{^hasPayment}}no payment yet{{/hasPayment}}</div>
        <div class="box"><strong>Next side effect:</strong> <span id="next">{{next}}</span></div>
        <div class="box" id="signals"><strong>Pending signals:</strong> {{#noSignals}}none{{/noSignals}}<ul>{{#signals}}<li>{{name}} <span class="mono">{{id}}</span> received {{received}}{{#inInbox}} (inbox){{/inInbox}}</li>{{/signals}}</ul></div>
        <h2>Graph</h2><div class="box scroll" id="graph">{{{graph}}}</div>
        <h2>Steps</h2><div class="scroll"><table id="steps"><tr><th>Step</th><th>Visit</th><th>Attempts</th><th>Idempotency key</th><th>Entered</th><th>State</th></tr>
        {{#steps}}<tr><td>{{step}}</td><td>{{visit}}</td><td>{{attempts}}</td><td class="mono">{{key}}</td><td>{{entered}}</td><td>{{state}}</td></tr>{{#hasError}}<tr><td></td><td colspan="5" class="note">last error: {{lastError}}</td></tr>{{/hasError}}
        {{/steps}}</table></div>
        <h2>Repairs</h2>
        {{#readOnly}}<p id="read-only-note" class="muted">Signed in read-only: you can look, and change nothing.</p>{{/readOnly}}
        {{#canRepair}}{{^isFinished}}<form id="repair-resume" class="repair box" method="post" action="{{href}}/preview">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="resume">
        <strong>Resume</strong> runs it now (its timers count as due); an interrupted payment call is confirmed with the provider first.
        <label for="resume-reason">Why</label><input id="resume-reason" name="reason" required maxlength="500">
        <button id="resume-preview">Preview resume</button></form>{{/isFinished}}
        <form id="repair-retry" class="repair box" method="post" action="{{href}}/preview">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="retry">
        <strong>Retry</strong> the failed step, or a fresh visit of a chosen step.
        <label for="retry-step">From step</label><select id="retry-step" name="fromStep"><option value="">the failed step</option>{{#stepOptions}}<option>{{id}}</option>{{/stepOptions}}</select>
        {{#canMoveMoney}}<label><input type="checkbox" name="rerunCompleted" value="yes"> run a money step again whose money already moved (only what is still owed moves)</label>{{/canMoveMoney}}
        <label for="retry-reason">Why</label><input id="retry-reason" name="reason" required maxlength="500">
        <button id="retry-preview">Preview retry</button></form>{{/canRepair}}
        {{#canMoveMoney}}<form id="repair-cancel" class="repair box" method="post" action="{{href}}/preview">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="cancel">
        <strong>Cancel</strong> releases what the customer has reserved and ends the instance failed.
        <label for="cancel-reason">Why</label><input id="cancel-reason" name="reason" required maxlength="500">
        <button id="cancel-preview" class="danger">Preview cancel</button></form>
        {{#canRefund}}<form id="repair-refund" class="repair box" method="post" action="{{href}}/preview">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="refund">
        <strong>Refund</strong> captured money to the customer.
        <label for="refund-amount">Amount in minor units (2500 is 25.00), or all</label><input id="refund-amount" name="amount" required value="all">
        <label for="refund-reason">Why</label><input id="refund-reason" name="reason" required maxlength="500">
        <button id="refund-preview" class="danger">Preview refund</button></form>{{/canRefund}}
        <form id="repair-mark-done" class="repair box" method="post" action="{{href}}/preview">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="mark-done">
        <strong>Mark done</strong>: a capture or cancel of this step was made by hand (in the merchant portal). evflow checks the provider's event log for that pspReference and amount first, then the flow goes on after the step.
        <label for="mark-done-step">Step</label><select id="mark-done-step" name="step">{{#stepOptions}}<option>{{id}}</option>{{/stepOptions}}</select>
        <label for="mark-done-psp">pspReference</label><input id="mark-done-psp" name="pspReference" required maxlength="200">
        <label for="mark-done-reason">Why</label><input id="mark-done-reason" name="reason" required maxlength="500">
        <button id="mark-done-preview" class="danger">Preview mark done</button></form>
        {{^isFinished}}<form id="repair-correct" class="repair box" method="post" action="{{href}}/preview">
        <input type="hidden" name="csrf" value="{{csrf}}"><input type="hidden" name="action" value="correct">
        <strong>Correct and resume</strong>: set inputs or variables (typed by the definition) before the next step runs; refused once money depending on them moved.
        <label for="correct-set">One per line</label><textarea id="correct-set" name="set" rows="2" required placeholder="inputs.pricePerKWh=4.55 NOK"></textarea>
        <label for="correct-reason">Why</label><input id="correct-reason" name="reason" required maxlength="500">
        <button id="correct-preview" class="danger">Preview correction</button></form>{{/isFinished}}{{/canMoveMoney}}
        <h2>Timeline</h2><div class="scroll"><table id="timeline"><tr><th>At</th><th>Event</th><th>Step</th><th>Detail</th></tr>
        {{#timeline}}<tr><td>{{at}}</td><td>{{event}}</td><td>{{step}}</td><td>{{detail}}</td></tr>
        {{/timeline}}</table></div>
        {{/page}}{{>foot}}
        """

    static let preview = """
        {{>head}}{{#page}}<h1>{{actionTitle}} <span class="mono">{{id}}</span>?</h1>
        {{#isRefused}}<p id="preview-error" class="error">{{refused}}</p><p><a href="{{instanceHref}}">Back to the instance</a></p>{{/isRefused}}
        {{^isRefused}}<div class="box"><strong>What it will do (dry run):</strong><p id="plan">{{plan}}</p>
        <strong>Recorded in the timeline as:</strong><p id="audit" class="mono">{{audit}}</p></div>
        <form id="confirm" method="post" action="{{instanceHref}}/confirm">
        <input type="hidden" name="csrf" value="{{csrf}}">
        {{#fields}}<input type="hidden" name="{{name}}" value="{{value}}">{{/fields}}
        <button id="confirm-submit"{{#danger}} class="danger"{{/danger}}>Confirm {{actionWord}}</button> <a id="confirm-back" href="{{instanceHref}}">Back</a></form>{{/isRefused}}
        {{/page}}{{>foot}}
        """

    static let message = """
        {{>head}}<h1>{{title}}</h1>{{#page}}<p id="message" class="error">{{message}}</p>{{/page}}
        <p>{{#signedIn}}<a href="/console">Overview</a>{{/signedIn}}{{^signedIn}}<a href="/console/signin">Sign in</a>{{/signedIn}}</p>
        {{>foot}}
        """
}
