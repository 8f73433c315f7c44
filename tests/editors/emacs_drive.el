;;; emacs_drive.el --- drive eglot (Emacs 28 + eglot 1.9) against tokls, headless  -*- lexical-binding: t -*-
;;
;; Input: the JSON file named by $TOKLS_EMACS_CONFIG (see test_emacs.py).  Output: JSON at the
;; config's `result'.  Run as: emacs --batch -Q -l emacs_drive.el

(require 'cl-lib)
(require 'json)
;; -Q skips site-start, which is where Debian activates its elpa-* packages: do it here
(require 'package)
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(unless (locate-library "eglot")
  (message "eglot is not installed (apt-get install elpa-eglot, or scripts/install-editors.sh)")
  (kill-emacs 3))
(require 'subr-x)
(require 'eglot)
(require 'flymake)

(defvar tokls-cfg (let ((json-array-type 'list)) (json-read-file (getenv "TOKLS_EMACS_CONFIG"))))
(defvar tokls-out nil "Results, an alist.")
(defvar tokls-publishes nil "Versions of the publishDiagnostics notifications received, newest first.")
(defvar tokls-changes nil "contentChanges of each textDocument/didChange sent, newest first.")

(defun tokls-cfg (key) (alist-get key tokls-cfg))
(defun tokls-put (key value) (setf (alist-get key tokls-out) value))

(cl-defmethod eglot-handle-notification :after
  (_server (_method (eql textDocument/publishDiagnostics)) &key version &allow-other-keys)
  (push (or version :null) tokls-publishes))

(advice-add 'jsonrpc-notify :before
            (lambda (_conn method params)
              (when (eq method :textDocument/didChange)
                (push (plist-get params :contentChanges) tokls-changes))))

(defun tokls-wait (what pred &optional timeout)
  "Process events until PRED returns non-nil (and return it); fail after TIMEOUT seconds."
  (let ((deadline (+ (float-time) (or timeout 20))) value)
    (while (and (not (setq value (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.02))
    (or value (error "Timed out waiting for %s" what))))

(defun tokls-diag (d)
  "D as JSON: buffer positions as 0-based code-point offsets and line/column, and the LSP diagnostic."
  (let* ((beg (flymake-diagnostic-beg d))
         (end (flymake-diagnostic-end d))
         (lsp (alist-get 'eglot-lsp-diag (flymake-diagnostic-data d))))
    (save-excursion
      (goto-char beg)
      `((beg . ,(- beg (point-min)))
        (end . ,(- end (point-min)))
        (line . ,(1- (line-number-at-pos beg t)))
        (col . ,(- beg (line-beginning-position)))
        (type . ,(symbol-name (flymake-diagnostic-type d)))
        (text . ,(flymake-diagnostic-text d))
        (code . ,(plist-get lsp :code))
        (message . ,(plist-get lsp :message))
        (range . ,(plist-get lsp :range))))))

(defun tokls-truncation ()
  (cl-find-if (lambda (d) (equal (plist-get (alist-get 'eglot-lsp-diag (flymake-diagnostic-data d)) :code)
                                 "truncation"))
              (flymake-diagnostics)))

(defun tokls-step (label pred)
  "Wait until flymake holds the diagnostics published for the current version and PRED holds,
and record them under LABEL."
  (tokls-wait (format "diagnostics (%s)" label)
              (lambda ()
                (and (member eglot--versioned-identifier tokls-publishes)
                     (funcall pred))))
  (push `((label . ,label)
          (version . ,eglot--versioned-identifier)
          (text . ,(buffer-substring-no-properties (point-min) (point-max)))
          (diagnostics . ,(mapcar #'tokls-diag (flymake-diagnostics))))
        (alist-get 'steps tokls-out)))

(defun tokls-main ()
  (tokls-put 'emacs emacs-version)
  (tokls-put 'eglot (or (bound-and-true-p eglot-version)
                        (when-let ((lib (locate-library "eglot"))) (file-name-directory lib))))
  ;; the configuration docs/editors.md recommends, with this interpreter
  (add-to-list 'eglot-server-programs
               `((text-mode markdown-mode) . (,@(tokls-cfg 'cmd) :initializationOptions (:debounceMs 0))))
  (setq eglot-sync-connect 20)
  (let ((coding-system-for-read 'utf-8))
    (find-file (tokls-cfg 'file)))
  (text-mode)
  (apply #'eglot (eglot--guess-contact))
  (tokls-wait "eglot to manage the buffer" (lambda () eglot--managed-mode))
  (tokls-put 'server (jsonrpc-name (eglot-current-server)))

  (tokls-step "open" #'tokls-truncation)

  ;; hover, as `eldoc' would ask for it, at the target character
  (goto-char (1+ (tokls-cfg 'hover)))
  (let ((params (eglot--TextDocumentPositionParams)))
    (tokls-put 'hover_params (plist-get params :position))
    (tokls-put 'hover (jsonrpc-request (eglot-current-server) :textDocument/hover params)))

  ;; delete the first lines; eglot sends the change on an idle timer, which batch mode never runs
  (goto-char (point-min))
  (delete-region (point-min) (line-beginning-position (1+ (tokls-cfg 'delete_lines))))
  (eglot--signal-textDocument/didChange)
  (let ((before (flymake-diagnostic-beg (tokls-truncation))))
    (tokls-step "delete first lines"
                (lambda () (when-let ((d (tokls-truncation))) (/= before (flymake-diagnostic-beg d))))))
  (tokls-put 'changes (reverse tokls-changes))

  ;; settings from `eglot-workspace-configuration', pushed with didChangeConfiguration
  (setq-default eglot-workspace-configuration '(:tokls (:model "gpt2")))
  (eglot-signal-didChangeConfiguration (eglot-current-server))
  (tokls-step "workspace configuration"
              (lambda () (cl-some (lambda (d) (string-match-p "gpt2" (flymake-diagnostic-text d)))
                                  (flymake-diagnostics))))

  (let ((eglot-autoreconnect nil))
    (eglot-shutdown (eglot-current-server))))

(defun tokls-write ()
  (let ((coding-system-for-write 'utf-8))
    (with-temp-file (tokls-cfg 'result)
      (insert (json-encode tokls-out)))))

(let ((ok (condition-case err
              (progn (tokls-main) t)
            (error (tokls-put 'error (error-message-string err)) nil))))
  (setf (alist-get 'steps tokls-out) (reverse (alist-get 'steps tokls-out)))
  (tokls-write)
  (unless ok
    (message "tokls-drive failed: %s" (alist-get 'error tokls-out))
    (when-let ((server (ignore-errors (eglot-current-server))))
      (with-current-buffer (jsonrpc-events-buffer server)
        (message "%s" (buffer-substring-no-properties (max (point-min) (- (point-max) 8000)) (point-max))))))
  (kill-emacs (if ok 0 1)))
