#!/usr/bin/env python3
"""Drives evflow's operator console in headless Chromium, as an operator would.

Run by ConsoleBrowserTests (Tests/EvflowServeTests) against a real `evflow serve` with the simulator, after it made
a session stuck (its capture call failing). Steps: a wrong token is refused; sign in; the overview lists the stuck
session; open it; preview the resume, confirm it, and watch the session succeed with the repair in its timeline;
sign out; a read-only token sees no repair form and a forged cancel is refused; a form posted without its CSRF
token is refused. Screenshots of each page go to --screenshots. Exit status 0 when every check held.
"""
import argparse
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--token", required=True, help="an operator token, named in the server's configuration")
    parser.add_argument("--token-name", required=True)
    parser.add_argument("--readonly-token", required=True)
    parser.add_argument("--instance", required=True, help="the stuck session's id")
    parser.add_argument("--screenshots", required=True)
    parser.add_argument("--chromium", default=os.environ.get("EVFLOW_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--chromedriver", default=os.environ.get("EVFLOW_CHROMEDRIVER", "/usr/bin/chromedriver"))
    args = parser.parse_args()
    os.makedirs(args.screenshots, exist_ok=True)

    options = webdriver.ChromeOptions()
    options.binary_location = args.chromium
    for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1280,1600",
                 "--no-first-run", "--disable-extensions", "--disable-background-networking"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=args.chromedriver), options=options)
    driver.set_page_load_timeout(30)
    base = args.base_url.rstrip("/")
    step = {"n": 0}

    def shot(name):
        step["n"] += 1
        driver.save_screenshot(os.path.join(args.screenshots, "%02d-%s.png" % (step["n"], name)))

    def check(condition, message):
        if not condition:
            shot("failed")
            raise AssertionError(message + "\n--- page ---\n" + driver.page_source[:4000])

    def text(element_id):
        return driver.find_element(By.ID, element_id).text

    def present(element_id):
        return len(driver.find_elements(By.ID, element_id)) > 0

    def arrived(element_id, timeout=15):
        """Waits for the page a click or a form post leads to: a click returns before the browser navigates."""
        deadline = time.time() + timeout
        while not present(element_id) and time.time() < deadline:
            time.sleep(0.1)
        return present(element_id)

    def gone(old):
        """Waits until `old` (the previous page's root) has left the document: the next page has replaced it."""
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                old.is_enabled()
            except WebDriverException:  # stale, or "does not belong to the document"
                return
            time.sleep(0.1)

    def click(element_id):
        """Clicks and waits until the old page is gone."""
        old = driver.find_element(By.TAG_NAME, "html")
        driver.find_element(By.ID, element_id).click()
        gone(old)

    def sign_in(token):
        driver.get(base + "/console")
        check(present("signin"), "an unsigned visit shows the sign-in form")
        driver.find_element(By.ID, "token").send_keys(token)
        click("signin-submit")

    def forge(path, fields):
        """Posts a form the page does not have (a forged request), from the signed-in page."""
        old = driver.find_element(By.TAG_NAME, "html")
        driver.execute_script("""
            const form = document.createElement('form');
            form.method = 'post'; form.action = arguments[0];
            for (const [name, value] of arguments[1]) {
                const input = document.createElement('input');
                input.type = 'hidden'; input.name = name; input.value = value; form.appendChild(input);
            }
            document.body.appendChild(form); form.submit();""", path, fields)
        gone(old)

    try:
        sign_in("not-the-token-" + "x" * 32)
        check(arrived("error") and "not accepted" in text("error"), "a wrong token is refused")
        shot("signin-refused")

        sign_in(args.token)
        check(arrived("counts"), "signing in opens the overview")
        check(args.token_name in text("who"), "the overview names who is signed in")
        check(args.token not in driver.page_source, "no token on the page")
        check("125.00 NOK" in text("held"), "the overview shows the money held right now")
        link = driver.find_elements(By.CSS_SELECTOR, 'table#stuck a.instance-link[data-instance="%s"]' % args.instance)
        check(len(link) == 1, "the overview lists the stuck session")
        shot("overview")

        link[0].click()
        check(arrived("instance-id") and text("instance-id") == args.instance, "the instance page opens")
        check(present("stuck-reason") and "capture" in text("stuck-reason"), "the page says why it is stuck")
        check(len(driver.find_elements(By.CSS_SELECTOR, "#graph svg #current-step")) == 1, "the graph marks the current step")
        shot("instance-stuck")

        driver.find_element(By.ID, "resume-reason").send_keys("capture outage over")
        click("resume-preview")
        check(arrived("plan") and "capture" in text("plan"), "the preview shows the dry run")
        check("console: %s: resume: capture outage over" % args.token_name in text("audit"), "the preview shows what the timeline will record")
        shot("preview-resume")

        click("confirm-submit")
        arrived("status")
        deadline = time.time() + 30
        while text("status") != "succeeded" and time.time() < deadline:
            time.sleep(0.5)
            driver.refresh()
            arrived("status")
        check(text("status") == "succeeded", "the resumed session succeeds")
        check("console: %s: resume: capture outage over" % args.token_name in text("timeline"), "the timeline records who resumed it and why")
        shot("instance-succeeded")

        click("nav-instances")
        check(arrived("instances"), "the list opens")
        shot("list")

        click("signout-submit")
        check(arrived("signin"), "signing out shows the sign-in form")
        driver.get(base + "/console")
        check(present("signin"), "after signing out the console asks to sign in again")

        sign_in(args.readonly_token)
        check(arrived("counts") and "read-only" in text("who"), "a read-only token signs in")
        driver.get(base + "/console/instances/" + args.instance)
        check(not present("repair-cancel") and not present("repair-resume") and present("read-only-note"), "read-only: no repair forms")
        shot("instance-readonly")
        csrf = driver.find_element(By.CSS_SELECTOR, "#signout input[name=csrf]").get_attribute("value")
        forge("/console/instances/%s/confirm" % args.instance, [["csrf", csrf], ["action", "cancel"], ["reason", "forged by a read-only token"]])
        check(arrived("message") and "read-only" in text("message"), "a read-only token cannot cancel, even with its CSRF token")
        shot("readonly-cancel-refused")

        driver.get(base + "/console/instances/" + args.instance)
        forge("/console/instances/%s/preview" % args.instance, [["action", "resume"], ["reason", "no csrf"]])
        check(arrived("message") and "CSRF" in text("message"), "a form without its CSRF token is refused")
        shot("csrf-refused")

        # The same pages on a phone's screen: nothing wider than the viewport but the tables, which scroll.
        driver.set_window_size(390, 844)
        driver.get(base + "/console/instances/" + args.instance)
        check(arrived("status"), "the instance page opens on a phone-sized window")
        width = driver.execute_script("return document.documentElement.scrollWidth")
        check(width <= 400, "the page fits a phone's width (%s px)" % width)
        shot("phone-instance")
    finally:
        driver.quit()
    print("console browser test: every check held")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as failure:
        print("console browser test FAILED: %s" % failure, file=sys.stderr)
        sys.exit(1)
