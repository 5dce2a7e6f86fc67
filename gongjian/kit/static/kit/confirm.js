// Forms that ask before they submit: <form data-confirm="确定……?">.
// (An inline onsubmit handler would be refused by the Content-Security-Policy.)
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form && form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
}, true);
