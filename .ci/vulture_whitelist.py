"""Names vulture cannot see used: called by a framework or by Python itself, not by our code.

Read by ``vulture`` (``[tool.vulture]`` in pyproject.toml); never imported. One line each, with
the reason. Dead code is deleted, not listed here; pytest fixtures and SQLAlchemy ``@compiles``
functions are skipped by decorator.
"""

# ruff: noqa: B018, F821

# Python and the standard library
_.__getattr__  # api/__init__.py: module __getattr__ (PEP 562), the lazy import of the API server
_.enqueue  # receiver/logs.py: logging.handlers.QueueHandler calls it for every record
_.optionxform  # tests: configparser calls it to fold option names (set to str to keep case)
_.exc_type  # tests: __aexit__ takes the exception triple whether it reads it or not
_.tb  # tests: __aexit__ takes the exception triple whether it reads it or not
_.extract_cookies  # sender/transport.py: httpx and http.cookiejar call it on every response

# SQLAlchemy
_.impl  # store/base.py: TypeDecorator reads the underlying column type from it
_.cache_ok  # store/base.py: TypeDecorator reads it to allow statement caching
_.process_bind_param  # store/base.py: TypeDecorator calls it on every write
_.process_result_value  # store/base.py: TypeDecorator calls it on every read
_.in_flight_since  # store/sender_models.py: a column, written by name in sender/queue.py
_.inherit_cache  # SQLAlchemy reads it on custom SQL constructs (FunctionElement subclasses)

# Stored words (core/vocabulary.py): rows are read back by value, DeliveryState(row.state)
_.PENDING  # stored word
_.CANCELLED  # stored word
_.DISABLED  # stored word
_.CaptureState  # the receiver's stored words; the structure branch moves the receiver onto it
_.CAPTURED  # stored word
_.REJECTED  # stored word
_.MALFORMED  # stored word

# Profile data (core/profiles.py): parsed and checked from the TOML, kept with the profile
_.rotation_overlap  # a profile field; nothing applies it yet (subscriptions set their own)

# Qt calls these virtual methods by name
_.columnCount  # QAbstractTableModel
_.headerData  # QAbstractTableModel
_.eventFilter  # QObject.installEventFilter
_.watched  # the eventFilter(watched, event) signature
_.paintEvent  # QWidget
_.itemAt  # QLayout
_.takeAt  # QLayout
_.expandingDirections  # QLayout
_.hasHeightForWidth  # QLayout
_.highlightBlock  # QSyntaxHighlighter
_.paint  # QStyledItemDelegate (ui/widgets/cell_delegate.py): the view calls it per cell
_.thread_target  # pytest-httpserver calls it as its server thread's target (tests/conftest.py)
_.RequestHandlerClass  # socketserver builds each connection's handler from it (tests/conftest.py)

# pytest and test doubles
_.pytestmark  # pytest reads a module's marks by this name
_.qapp  # pytest-qt fixture requested for its side effect: a QApplication exists
_.getall  # tests/profiles/test_sdk_interop.py: the twilio SDK calls it on its params multidict

# generated code
_.renew_ids  # relay/contract_signer.py is copied into exported test modules (inspect.getsource)
_.pages_fetched  # bench/ui.py reports how many pages the Inbox read
_.highlight  # ui/sections/composer.py keeps its JSON highlighter referenced
